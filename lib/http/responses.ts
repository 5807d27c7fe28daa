import type { z } from "zod";
import { errorStatus, type AppError, type ErrorCode, type Result } from "../errors";
import { errorMessage, log } from "../log";

// The one error body shape: { error: { code, message } } with the status from the error table.

const NO_STORE = { "Cache-Control": "no-store" };

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { ...NO_STORE, ...headers } });
}

export function errorResponse(error: AppError, headers: Record<string, string> = {}): Response {
  const body: { error: { code: ErrorCode; message: string; details?: unknown } } = {
    error: { code: error.code, message: error.message },
  };
  if (error.details !== undefined) body.error.details = error.details;
  return json(body, errorStatus[error.code], headers);
}

export function errorOf(code: ErrorCode, message: string, details?: unknown): Response {
  return errorResponse(details === undefined ? { code, message } : { code, message, details });
}

/** The default body limit of the request reader (lib/http/read-request.ts) and of proxy.ts. */
export const MAX_BODY_BYTES = 32 * 1024;

export function parseWith<S extends z.ZodType>(schema: S, value: unknown): Result<z.infer<S>> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  const first = issues[0];
  return {
    ok: false,
    error: {
      code: "VALIDATION_FAILED",
      message: first ? `${first.path || "body"}: ${first.message}` : "invalid input",
      details: issues,
    },
  };
}

/** The last catch of every handler: log without internals, answer a bare 500. */
export function internalError(route: string, e: unknown): Response {
  log().error({ route, error: errorMessage(e) }, "unhandled error");
  return errorOf("INTERNAL", "internal error");
}

/** A use case's Result as a response: its value as JSON (status from `okStatus`), or its error. */
export function resultResponse<T>(result: Result<T>, okStatus: number | ((value: T) => number) = 200): Response {
  if (!result.ok) return errorResponse(result.error);
  return json(result.value, typeof okStatus === "number" ? okStatus : okStatus(result.value));
}
