// POST /api/bitrix24/checkout — Bitrix24's CHECKOUT_DATA request (unsigned): confirms the payment
// over REST, creates the order and answers { PAYMENT_URL } or { PAYMENT_ERRORS: [...] }.
import { parsePhpForm, checkoutDataSchema } from "@/lib/bitrix24/checkout-request";
import { startBitrix24Checkout } from "@/lib/bitrix24/checkout-use-case";
import { bitrix24Client } from "@/lib/bitrix24/container";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import type { AppError } from "@/lib/errors";
import { errorStatus } from "@/lib/errors";
import { errorOf, internalError, json, MAX_BODY_BYTES, parseWith } from "@/lib/http/responses";
import { requestLog } from "@/lib/log";
import { checkoutKeyMatches, UNIFORM_CHECKOUT_ERROR } from "@/lib/bitrix24/checkout-access";

// Bitrix24 shows PAYMENT_ERRORS to the shopper: one uniform text (the reason is logged), with the
// error table's status and code.
function paymentErrors(error: AppError, request?: Request): Response {
  if (request)
    requestLog(request, "POST /api/bitrix24/checkout").warn(
      { code: error.code, reason: error.message },
      "checkout refused",
    );
  return json(
    { PAYMENT_ERRORS: [UNIFORM_CHECKOUT_ERROR], error: { code: error.code, message: UNIFORM_CHECKOUT_ERROR } },
    errorStatus[error.code],
  );
}

export async function POST(request: Request): Promise<Response> {
  try {
    // Without the installation's key in the ACTION_URI this endpoint does not exist.
    if (!checkoutKeyMatches(request, env().BITRIX_SHARED_SECRET)) return errorOf("NOT_FOUND", "not found");
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
    if (!input.ok) return paymentErrors(input.error, request);
    const e = env();
    const result = await startBitrix24Checkout(
      {
        db: db(),
        client,
        appUrl: e.appUrl,
        limits: { min: e.ORDER_MIN_AMOUNT, max: e.ORDER_MAX_AMOUNT },
        mode: e.paymentMode,
        portalUrl: e.BITRIX24_WEBHOOK_URL ?? "",
      },
      input.value,
    );
    return result.ok ? json({ PAYMENT_URL: result.value.paymentUrl }) : paymentErrors(result.error, request);
  } catch (e) {
    return internalError("POST /api/bitrix24/checkout", e);
  }
}
