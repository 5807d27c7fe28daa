import type { z } from "zod";
import type { ErrorCode } from "../errors";

// How one operation of the public HTTP API is described: the zod schemas its route parses with
// (requests, read as their *input* side) and answers with (responses, their *output* side), the
// error codes of the one error table it can answer, and who may call it.

/** A schema that becomes a named component (#/components/schemas/<name>). */
export type Named = { name: string; schema: z.core.$ZodType; io: "input" | "output" };

export const input = (name: string, schema: z.core.$ZodType): Named => ({ name, schema, io: "input" });
export const output = (name: string, schema: z.core.$ZodType): Named => ({ name, schema, io: "output" });

/**
 * bitrix: the HMAC signature headers; merchant: the session cookie; merchantWrite: plus Origin + CSRF
 * token; monitor: optional, HEALTH_TOKEN (Bearer) or a merchant session shows more (GET /api/health).
 */
export type Auth = "bitrix" | "merchant" | "merchantWrite" | "monitor";

export type Answer = {
  description: string;
  /** JSON body; absent with `raw`. */
  body?: Named;
  /** A non-JSON body: its media type and a description of it. */
  raw?: { mediaType: string; schema: Record<string, unknown> };
  headers?: Record<string, string>;
};

export type Operation = {
  method: "get" | "post";
  path: string;
  operationId: string;
  summary: string;
  tag: "bitrix" | "checkout" | "kaspi" | "merchant" | "ops";
  auth?: Auth;
  pathParams?: Record<string, z.core.$ZodType>;
  /** An object schema: each property is a query parameter. */
  query?: z.ZodObject;
  requestBody?: { body: Named; required: boolean; form?: boolean };
  responses: Record<number, Answer>;
  /** Error codes this operation answers with, from lib/errors.ts (grouped by their HTTP status). */
  errors: ErrorCode[];
  /** When its errors do not use the one error body (Bitrix24 reads PAYMENT_ERRORS). */
  errorBody?: Named;
};

/** Reading a body: every route that reads one can answer these. */
export const BODY_ERRORS: ErrorCode[] = [
  "INVALID_JSON",
  "BAD_REQUEST",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "VALIDATION_FAILED",
];
export const SIGNATURE_ERRORS: ErrorCode[] = ["MISSING_SIGNATURE", "INVALID_SIGNATURE", "STALE_SIGNATURE"];
export const MERCHANT_ERRORS: ErrorCode[] = ["UNAUTHORIZED"];
export const MERCHANT_WRITE_ERRORS: ErrorCode[] = ["UNAUTHORIZED", "FORBIDDEN", "CSRF_REJECTED"];
