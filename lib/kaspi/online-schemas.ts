import { z } from "zod";

// The Kaspi button (docs/kaspi.md, "The Kaspi button"): the shopper's entry to a check/pay
// provider's Service. The order is POSTed to https://kaspi.kz/online, either as JSON by the server
// (answered { code, redirectUrl, message, qrCodeImage }) or as a browser form with the same fields
// minus refererHost and GenerateQrCode (answered by Kaspi's own page). No Kaspi document is public;
// the fields are those of binsabit/jetinno-kaspi internal/services/kaspi_quick_pay.go,
// kazitechkz/digital_queue app/adapters/dto/kaspi/kaspi_request_dto.py (Amount "in tiyn"; the last
// two fields "only for the JSON request") and ingeniousalpha/gamerpro
// apps/integrations/kaspi/payment_services.py (Amount × 100, redirectUrl used when code is 0).

export type OnlineRequest = {
  /** The order's account number: Kaspi passes TranId or OrderId to check/pay as `account`. */
  TranId: string;
  OrderId: string;
  /** Tiyn: whole tenge × 100. */
  Amount: number;
  Service: string;
  returnUrl: string;
  refererHost: string;
  GenerateQrCode: true;
};

/** The fields a browser form posts (the JSON-only refererHost and GenerateQrCode left out). */
export type OnlineFormFields = Pick<OnlineRequest, "TranId" | "OrderId" | "Service" | "returnUrl"> & {
  Amount: string;
};

export function onlineRequest(input: {
  account: string;
  amount: number;
  serviceId: string;
  returnUrl: string;
  refererHost: string;
}): OnlineRequest {
  return {
    TranId: input.account,
    OrderId: input.account,
    Amount: input.amount * 100,
    Service: input.serviceId,
    returnUrl: input.returnUrl,
    refererHost: input.refererHost,
    GenerateQrCode: true,
  };
}

export function onlineFormFields(request: OnlineRequest): OnlineFormFields {
  return {
    TranId: request.TranId,
    OrderId: request.OrderId,
    Amount: String(request.Amount),
    Service: request.Service,
    returnUrl: request.returnUrl,
  };
}

/**
 * Kaspi's answer. `code` 0 is success (kaspi_request_dto.py: "0 - успешно"); integrations read it
 * as a number, one public client sends numbers as strings, so a numeric string is accepted too.
 */
export const onlineAnswerSchema = z.object({
  code: z.union([
    z.number().int(),
    z
      .string()
      .regex(/^-?\d{1,12}$/)
      .transform(Number),
  ]),
  redirectUrl: z.string().max(4096).nullish(),
  message: z.string().max(2000).nullish(),
  qrCodeImage: z.string().nullish(),
});
export type OnlineAnswer = z.infer<typeof onlineAnswerSchema>;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** A QR image larger than this is not a QR code: drawn from the link instead. */
const MAX_QR_IMAGE_BYTES = 512 * 1024;

/**
 * Kaspi's qrCodeImage as plain base64 of a PNG (a `data:image/png;base64,` prefix removed), or
 * null when it is absent, not base64, not a PNG or implausibly large: the page then draws the QR
 * from redirectUrl.
 */
export function pngBase64(value: string | null | undefined): string | null {
  if (!value) return null;
  const b64 = value.replace(/^data:image\/png;base64,/i, "").replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) return null;
  const bytes = Buffer.from(b64, "base64");
  if (bytes.length > MAX_QR_IMAGE_BYTES || bytes.length < PNG_SIGNATURE.length) return null;
  return bytes.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE) ? b64 : null;
}

/** An https link the button may point at (http too where `allowHttp`, the sandbox), or null. */
export function redirectLink(value: string | null | undefined, allowHttp = false): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || (allowHttp && url.protocol === "http:") ? url.href : null;
  } catch {
    return null;
  }
}
