import { createHmac, timingSafeEqual } from "node:crypto";

// Intake and notification signatures (the HTTP contract):
//   X-Signature-Timestamp: <unix seconds>
//   X-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
// Body-less requests sign "<timestamp>." (an empty body).

export const SIGNATURE_HEADER = "x-signature";
export const TIMESTAMP_HEADER = "x-signature-timestamp";

export function computeSignature(secret: string, timestamp: string, rawBody: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${rawBody}`, "utf8").digest("hex");
}

export function signatureHeaders(
  secret: string,
  rawBody: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const timestamp = String(nowSeconds);
  return {
    "X-Signature-Timestamp": timestamp,
    "X-Signature": `sha256=${computeSignature(secret, timestamp, rawBody)}`,
  };
}

export type SignatureFailure = "MISSING_SIGNATURE" | "INVALID_SIGNATURE" | "STALE_SIGNATURE";

export type SignatureCheck = { ok: true } | { ok: false; reason: SignatureFailure; message: string };

export function verifySignature(input: {
  secret: string;
  timestamp: string | null;
  signature: string | null;
  rawBody: string;
  toleranceSeconds: number;
  nowSeconds?: number;
}): SignatureCheck {
  const { secret, timestamp, signature, rawBody, toleranceSeconds } = input;
  if (!timestamp || !signature) {
    return { ok: false, reason: "MISSING_SIGNATURE", message: "X-Signature and X-Signature-Timestamp are required" };
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    return { ok: false, reason: "INVALID_SIGNATURE", message: "X-Signature-Timestamp must be unix seconds" };
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
  const expected = Buffer.from(computeSignature(secret, timestamp, rawBody), "hex");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: "INVALID_SIGNATURE", message: "signature does not match" };
  }
  return { ok: true };
}
