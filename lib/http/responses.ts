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

export const MAX_BODY_BYTES = 32 * 1024;

export type ReadBody = { raw: string; json: unknown };

/** Reads a JSON body with a size limit; the raw text is kept for signature checks. */
export async function readJsonBody(request: Request, maxBytes = MAX_BODY_BYTES): Promise<Result<ReadBody>> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    return { ok: false, error: { code: "UNSUPPORTED_MEDIA_TYPE", message: "Content-Type must be application/json" } };
  }
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    return { ok: false, error: { code: "PAYLOAD_TOO_LARGE", message: `body must be at most ${maxBytes} bytes` } };
  }
  const raw = await readLimited(request, maxBytes);
  if (raw === null) {
    return { ok: false, error: { code: "PAYLOAD_TOO_LARGE", message: `body must be at most ${maxBytes} bytes` } };
  }
  return parseJsonText(raw);
}

/** JSON nested deeper than this is refused before any schema sees it. */
export const MAX_JSON_DEPTH = 32;

function parseJsonText(raw: string): Result<ReadBody> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, error: { code: "INVALID_JSON", message: "body is not valid JSON" } };
  }
  if (depthOf(json) > MAX_JSON_DEPTH) {
    return { ok: false, error: { code: "BAD_REQUEST", message: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` } };
  }
  return { ok: true, value: { raw, json } };
}

function depthOf(value: unknown): number {
  // Iterative, so a hostile body cannot overflow the stack.
  let max = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== "object") continue;
    if (d > max) max = d;
    if (max > MAX_JSON_DEPTH) return max;
    for (const child of Object.values(v)) stack.push([child, d + 1]);
  }
  return max;
}

/** Like readJsonBody, but an empty body is allowed and reads as `undefined`. */
export async function readOptionalJsonBody(request: Request, maxBytes = MAX_BODY_BYTES): Promise<Result<ReadBody>> {
  const raw = await readLimited(request, maxBytes);
  if (raw === null) {
    return { ok: false, error: { code: "PAYLOAD_TOO_LARGE", message: `body must be at most ${maxBytes} bytes` } };
  }
  if (raw.trim() === "") return { ok: true, value: { raw, json: undefined } };
  if (!/^application\/json\b/i.test(request.headers.get("content-type") ?? "")) {
    return { ok: false, error: { code: "UNSUPPORTED_MEDIA_TYPE", message: "Content-Type must be application/json" } };
  }
  return parseJsonText(raw);
}

async function readLimited(request: Request, maxBytes: number): Promise<string | null> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

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
