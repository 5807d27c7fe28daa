import { randomBytes } from "node:crypto";
import { db } from "../db";
import { env } from "../env";
import type { Result } from "../errors";
import type { Store } from "../stores/store-repository";
import { claimNonce } from "./nonce-store";
import { STORE_HEADER, signerOf } from "./onprem-stores";
import { NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, targetOf, verifySignature } from "./signature";

/** The store a verified request belongs to: the default store's row is not read (store: null). */
export type SignedBy = { storeId: string; store: Store | null };

/**
 * Checks a Bitrix → app request's signature over its method, path and query (as sent), and raw
 * body ("" for body-less requests), with the secret of the store its X-Kaspi-Store header names
 * (absent: the default store's BITRIX_SHARED_SECRET); then refuses a nonce that store has seen
 * before (401 REPLAYED_SIGNATURE). A header naming no active on-premise store is checked against a
 * random secret, so it answers exactly like a wrong signature (no oracle of which stores exist).
 * The nonce is claimed only after the HMAC matched, so nobody without the secret can fill the store.
 */
export async function verifyBitrixRequest(request: Request, rawBody: string): Promise<Result<SignedBy>> {
  const e = env();
  const headers = request.headers;
  const signer = await signerOf(db(), headers.get(STORE_HEADER), {
    defaultSecret: e.BITRIX_SHARED_SECRET,
    keyring: e.storeSecrets,
  });
  const check = verifySignature({
    secret: signer?.secret ?? randomBytes(32).toString("hex"),
    timestamp: headers.get(TIMESTAMP_HEADER),
    nonce: headers.get(NONCE_HEADER),
    signature: headers.get(SIGNATURE_HEADER),
    method: request.method,
    target: targetOf(request.url),
    rawBody,
    toleranceSeconds: e.SIGNATURE_TOLERANCE_SECONDS,
  });
  if (!check.ok) return { ok: false, error: { code: check.reason, message: check.message } };
  // Unreachable in practice (a random secret's HMAC does not match), but never without a signer.
  if (!signer) return { ok: false, error: { code: "INVALID_SIGNATURE", message: "signature does not match" } };
  const fresh = await claimNonce(db(), {
    storeId: signer.storeId,
    nonce: headers.get(NONCE_HEADER) ?? "",
    timestampSeconds: Number(headers.get(TIMESTAMP_HEADER)),
    toleranceSeconds: e.SIGNATURE_TOLERANCE_SECONDS,
  });
  return fresh
    ? { ok: true, value: { storeId: signer.storeId, store: signer.store } }
    : { ok: false, error: { code: "REPLAYED_SIGNATURE", message: "this signature nonce was already used" } };
}
