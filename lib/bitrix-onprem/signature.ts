import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

// Request signatures of the HTTP contract, both directions (Bitrix → app, app → Bitrix):
//   X-Signature-Timestamp: <unix seconds>
//   X-Signature-Nonce:     <16–64 of [A-Za-z0-9_-]>
//   X-Signature:           sha256=<hex HMAC-SHA256(secret, "<ts>.<nonce>.<METHOD>.<target>.<raw body>")>
// <target> is the request's path and query exactly as sent ("/api/orders/A%2F1?x=1"). Binding the
// method and target stops a captured read-back signature from reading another order; the nonce
// (refused once seen, see nonce-store.ts) stops a captured request from being replayed. The first
// form, "<ts>.<raw body>", has no nonce and is refused as MISSING_SIGNATURE.

export const SIGNATURE_HEADER = "x-signature";
export const TIMESTAMP_HEADER = "x-signature-timestamp";
export const NONCE_HEADER = "x-signature-nonce";

const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

/** What a signature covers besides the timestamp and the nonce. */
export type SignedRequest = { method: string; target: string; body: string };

export type SignatureInput = SignedRequest & { timestamp: string; nonce: string };

export function computeSignature(secret: string, input: SignatureInput): string {
  const { timestamp, nonce, method, target, body } = input;
  return createHmac("sha256", secret).update(`${timestamp}.${nonce}.${method}.${target}.${body}`, "utf8").digest("hex");
}

/** 24 URL-safe characters (144 random bits). */
export function newNonce(): string {
  return randomBytes(18).toString("base64url");
}

/** The path and query of a URL, as it goes on the request line. */
export function targetOf(url: string | URL): string {
  const u = typeof url === "string" ? new URL(url) : url;
  return `${u.pathname}${u.search}`;
}

export function signatureHeaders(
  secret: string,
  request: SignedRequest,
  options: { nowSeconds?: number; nonce?: string } = {},
): Record<string, string> {
  const timestamp = String(options.nowSeconds ?? Math.floor(Date.now() / 1000));
  const nonce = options.nonce ?? newNonce();
  return {
    "X-Signature-Timestamp": timestamp,
    "X-Signature-Nonce": nonce,
    "X-Signature": `sha256=${computeSignature(secret, { ...request, method: request.method.toUpperCase(), timestamp, nonce })}`,
  };
}

export type SignatureFailure = "MISSING_SIGNATURE" | "INVALID_SIGNATURE" | "STALE_SIGNATURE";

export type SignatureCheck = { ok: true } | { ok: false; reason: SignatureFailure; message: string };

export type VerifyInput = {
  secret: string;
  timestamp: string | null;
  nonce: string | null;
  signature: string | null;
  method: string;
  target: string;
  rawBody: string;
  toleranceSeconds: number;
  nowSeconds?: number;
};

/** Format, clock window and HMAC (constant time). Whether the nonce was seen before is the store's job. */
export function verifySignature(input: VerifyInput): SignatureCheck {
  const { secret, timestamp, nonce, signature, toleranceSeconds } = input;
  if (!timestamp || !signature || !nonce) {
    return {
      ok: false,
      reason: "MISSING_SIGNATURE",
      message: "X-Signature, X-Signature-Timestamp and X-Signature-Nonce are required",
    };
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    return { ok: false, reason: "INVALID_SIGNATURE", message: "X-Signature-Timestamp must be unix seconds" };
  }
  if (!NONCE_PATTERN.test(nonce)) {
    return { ok: false, reason: "INVALID_SIGNATURE", message: "X-Signature-Nonce must be 16–64 of [A-Za-z0-9_-]" };
  }
  const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > toleranceSeconds) {
    return {
      ok: false,
      reason: "STALE_SIGNATURE",
      message: `timestamp is more than ${toleranceSeconds} s away from now`,
    };
  }
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(signature.trim());
  if (!match?.[1]) {
    return { ok: false, reason: "INVALID_SIGNATURE", message: "X-Signature must be sha256=<64 hex digits>" };
  }
  const given = Buffer.from(match[1].toLowerCase(), "hex");
  const expected = Buffer.from(
    computeSignature(secret, {
      timestamp,
      nonce,
      method: input.method.toUpperCase(),
      target: input.target,
      body: input.rawBody,
    }),
    "hex",
  );
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: "INVALID_SIGNATURE", message: "signature does not match" };
  }
  return { ok: true };
}
