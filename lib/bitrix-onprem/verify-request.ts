import { env } from "../env";
import type { Result } from "../errors";
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from "./signature";

/** Checks a Bitrix → app request's signature over its raw body ("" for body-less requests). */
export function verifyBitrixRequest(request: Request, rawBody: string): Result<true> {
  const e = env();
  const check = verifySignature({
    secret: e.BITRIX_SHARED_SECRET,
    timestamp: request.headers.get(TIMESTAMP_HEADER),
    signature: request.headers.get(SIGNATURE_HEADER),
    rawBody,
    toleranceSeconds: e.SIGNATURE_TOLERANCE_SECONDS,
  });
  return check.ok ? { ok: true, value: true } : { ok: false, error: { code: check.reason, message: check.message } };
}
