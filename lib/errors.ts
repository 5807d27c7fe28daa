import { z } from "zod";

// One table of error codes and their HTTP statuses; one body shape for every error response.

export const errorStatus = {
  BAD_REQUEST: 400,
  INVALID_JSON: 400,
  /** POST /api/orders: items that break a rule or do not add up to the amount (the difference is named). */
  INVALID_ITEMS: 400,
  MISSING_SIGNATURE: 401,
  INVALID_SIGNATURE: 401,
  STALE_SIGNATURE: 401,
  REPLAYED_SIGNATURE: 401,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  ORDER_ALREADY_PAID: 409,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  VALIDATION_FAILED: 422,
  INVALID_AMOUNT: 422,
  RATE_LIMITED: 429,
  INVALID_PHONE: 422,
  ORDER_NOT_PAYABLE: 409,
  /** The order's store cannot reach Kaspi: no contract chosen, or test mode while this deployment's sandbox is off. */
  KASPI_NOT_CONFIGURED: 409,
  KASPI_UNAVAILABLE: 503,
  KASPI_REJECTED: 502,
  PAYMENT_NOT_CONFIRMED: 422,
  BITRIX24_UNAVAILABLE: 503,
  /** This instance is at a ceiling (e.g. open status streams); retry after Retry-After. */
  BUSY: 503,
  SANDBOX_DISABLED: 404,
  INVALID_CREDENTIALS: 401,
  CSRF_REJECTED: 403,
  REFUND_UNSUPPORTED: 409,
  REFUND_NOT_ALLOWED: 409,
  REFUND_TOO_LARGE: 422,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export type AppError = { code: ErrorCode; message: string; details?: unknown };

export function appError(code: ErrorCode, message: string, details?: unknown): AppError {
  return details === undefined ? { code, message } : { code, message, details };
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(code: ErrorCode, message: string, details?: unknown): Result<T> => ({
  ok: false,
  error: appError(code, message, details),
});

/** The one error body: { error: { code, message, details? } }, with the status from errorStatus. */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(errorStatus) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
