import type { z } from "zod";
import { verifyBitrixRequest, type SignedBy } from "../bitrix-onprem/verify-request";
import { fail, type ErrorCode, type Result } from "../errors";
import { parsePhpForm } from "./php-form";
import { MAX_BODY_BYTES, parseWith } from "./responses";

// The one request reader every route handler uses: body read with a byte limit enforced while it
// streams in, JSON or PHP-style form, an optional Bitrix signature over the raw body, then the zod
// schema. Every failure is an AppError of the one error table, so a route only maps it.

/** JSON nested deeper than this is refused before any schema sees it. */
export const MAX_JSON_DEPTH = 32;

export type BodyFormat =
  /** Content-Type application/json. */
  | "json"
  /** Content-Type application/x-www-form-urlencoded, keys PHP-style (a[b]=c). */
  | "form"
  /** JSON when the Content-Type says so, else a PHP-style form (Bitrix24 posts either). */
  | "json-or-form";

export type ReadRequestOptions<S extends z.ZodType> = {
  schema: S;
  format?: BodyFormat;
  maxBytes?: number;
  /** An empty body (any Content-Type) reads as {}: for requests whose fields are all optional. */
  optional?: boolean;
  /** Verify the Bitrix signature headers over the raw body before the schema sees it. */
  signed?: boolean;
  /** The code a schema failure answers with (the Kaspi callback says BAD_REQUEST). */
  invalidCode?: ErrorCode;
};

/** signedBy: with `signed`, the store whose secret verified the signature (X-Kaspi-Store). */
export type ReadRequest<T> = { value: T; raw: string; signedBy?: SignedBy };

const JSON_TYPE = /^application\/json\b/i;
const FORM_TYPE = /^application\/x-www-form-urlencoded\b/i;

export async function readRequest<S extends z.ZodType>(
  request: Request,
  options: ReadRequestOptions<S>,
): Promise<Result<ReadRequest<z.infer<S>>>> {
  const { schema, format = "json", maxBytes = MAX_BODY_BYTES, optional = false } = options;
  const type = request.headers.get("content-type") ?? "";
  // An optional body may come without a Content-Type, so its type is checked once it is known non-empty.
  if (!optional) {
    const wrongType = checkType(format, type);
    if (wrongType) return wrongType;
  }
  if (Number(request.headers.get("content-length") ?? "0") > maxBytes) return tooLarge(maxBytes);
  const raw = await readLimited(request, maxBytes);
  if (raw === null) return tooLarge(maxBytes);
  let body: Result<unknown>;
  if (optional && raw.trim() === "") {
    body = { ok: true, value: {} };
  } else {
    const wrongType = optional ? checkType(format, type) : undefined;
    if (wrongType) return wrongType;
    body = format === "form" || (format === "json-or-form" && !JSON_TYPE.test(type)) ? formOf(raw) : jsonOf(raw);
  }
  if (!body.ok) return body;
  let signedBy: SignedBy | undefined;
  if (options.signed) {
    const signed = await verifyBitrixRequest(request, raw);
    if (!signed.ok) return signed;
    signedBy = signed.value;
  }
  const parsed = parseWith(schema, body.value);
  if (!parsed.ok)
    return options.invalidCode ? { ok: false, error: { ...parsed.error, code: options.invalidCode } } : parsed;
  return { ok: true, value: { value: parsed.value as z.infer<S>, raw, ...(signedBy ? { signedBy } : {}) } };
}

function checkType(format: BodyFormat, type: string): Result<never> | undefined {
  if (format === "json" && !JSON_TYPE.test(type)) {
    return fail("UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/json");
  }
  if (format === "form" && !FORM_TYPE.test(type)) {
    return fail("UNSUPPORTED_MEDIA_TYPE", "Content-Type must be application/x-www-form-urlencoded");
  }
  return undefined;
}

function tooLarge(maxBytes: number): Result<never> {
  return fail("PAYLOAD_TOO_LARGE", `body must be at most ${maxBytes} bytes`);
}

/**
 * The body as UTF-8 text, or null once more than maxBytes bytes have arrived: the stream is
 * cancelled there, so a huge or endless body is never buffered whole (Content-Length may lie).
 */
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

function formOf(raw: string): Result<unknown> {
  return { ok: true, value: parsePhpForm(raw) };
}

function jsonOf(raw: string): Result<unknown> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return fail("INVALID_JSON", "body is not valid JSON");
  }
  if (depthOf(json) > MAX_JSON_DEPTH) return fail("BAD_REQUEST", `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  return { ok: true, value: json };
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
