// POST /api/bitrix24/checkout — Bitrix24's CHECKOUT_DATA request (unsigned): confirms the payment
// over REST, creates the order and answers { PAYMENT_URL } or { PAYMENT_ERRORS: [...] }.
import { parsePhpForm, checkoutDataSchema } from "@/lib/bitrix24/checkout-request";
import { startBitrix24Checkout } from "@/lib/bitrix24/checkout-use-case";
import { bitrix24Client } from "@/lib/bitrix24/container";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import type { AppError } from "@/lib/errors";
import { errorStatus } from "@/lib/errors";
import { internalError, json, MAX_BODY_BYTES, parseWith } from "@/lib/http/responses";

// Bitrix24 shows PAYMENT_ERRORS to the shopper; the error table's status and shape come along.
function paymentErrors(error: AppError): Response {
  return json(
    { PAYMENT_ERRORS: [error.message], error: { code: error.code, message: error.message } },
    errorStatus[error.code],
  );
}

export async function POST(request: Request): Promise<Response> {
  try {
    const client = bitrix24Client();
    if (!client) return paymentErrors({ code: "NOT_FOUND", message: "this app is not connected to a Bitrix24 portal" });
    const raw = await request.text();
    if (raw.length > MAX_BODY_BYTES) return paymentErrors({ code: "PAYLOAD_TOO_LARGE", message: "body is too large" });
    const type = request.headers.get("content-type") ?? "";
    let body: unknown;
    if (/^application\/json\b/i.test(type)) {
      try {
        body = JSON.parse(raw) as unknown;
      } catch {
        return paymentErrors({ code: "INVALID_JSON", message: "body is not valid JSON" });
      }
    } else {
      body = parsePhpForm(raw);
    }
    const input = parseWith(checkoutDataSchema, body);
    if (!input.ok) return paymentErrors(input.error);
    const e = env();
    const result = await startBitrix24Checkout(
      {
        db: db(),
        client,
        appUrl: e.appUrl,
        limits: { min: e.ORDER_MIN_AMOUNT, max: e.ORDER_MAX_AMOUNT },
        mode: e.paymentMode,
      },
      input.value,
    );
    return result.ok ? json({ PAYMENT_URL: result.value.paymentUrl }) : paymentErrors(result.error);
  } catch (e) {
    return internalError("POST /api/bitrix24/checkout", e);
  }
}
