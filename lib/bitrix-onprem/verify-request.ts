import { db } from "../db";
import { env } from "../env";
import type { Result } from "../errors";
import { claimNonce } from "./nonce-store";
import { NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, targetOf, verifySignature } from "./signature";

/**
 * Checks a Bitrix → app request's signature over its method, path and query (as sent), and raw
 * body ("" for body-less requests); then refuses a nonce seen before (401 REPLAYED_SIGNATURE).
 * The nonce is claimed only after the HMAC matched, so nobody without the secret can fill the store.
 */
export async function verifyBitrixRequest(request: Request, rawBody: string): Promise<Result<true>> {
  const e = env();
  const headers = request.headers;
  const check = verifySignature({
    secret: e.BITRIX_SHARED_SECRET,
    timestamp: headers.get(TIMESTAMP_HEADER),
    nonce: headers.get(NONCE_HEADER),
    signature: headers.get(SIGNATURE_HEADER),
    method: request.method,
    target: targetOf(request.url),
    rawBody,
    toleranceSeconds: e.SIGNATURE_TOLERANCE_SECONDS,
  });
  if (!check.ok) return { ok: false, error: { code: check.reason, message: check.message } };
  const fresh = await claimNonce(db(), {
    nonce: headers.get(NONCE_HEADER) ?? "",
    timestampSeconds: Number(headers.get(TIMESTAMP_HEADER)),
    toleranceSeconds: e.SIGNATURE_TOLERANCE_SECONDS,
  });
  return fresh
    ? { ok: true, value: true }
    : { ok: false, error: { code: "REPLAYED_SIGNATURE", message: "this signature nonce was already used" } };
}
