// POST /api/bitrix24/checkout — Bitrix24's CHECKOUT_DATA request (unsigned): confirms the payment
// over REST, creates the order and answers { PAYMENT_URL } or { PAYMENT_ERRORS: [...] }.
import { checkoutDataSchema } from "@/lib/bitrix24/checkout-request";
import { startBitrix24Checkout } from "@/lib/bitrix24/checkout-use-case";
import { bitrix24CheckoutDeps } from "@/lib/container";
import type { AppError } from "@/lib/errors";
import { errorStatus } from "@/lib/errors";
import { readRequest } from "@/lib/http/read-request";
import { internalError, json } from "@/lib/http/responses";

// Bitrix24 shows PAYMENT_ERRORS to the shopper; the error table's status and shape come along.
function paymentErrors(error: AppError): Response {
  return json(
    { PAYMENT_ERRORS: [error.message], error: { code: error.code, message: error.message } },
    errorStatus[error.code],
  );
}

export async function POST(request: Request): Promise<Response> {
  try {
    const deps = bitrix24CheckoutDeps();
    if (!deps) return paymentErrors({ code: "NOT_FOUND", message: "this app is not connected to a Bitrix24 portal" });
    // Bitrix24 posts a PHP-style form (BX_SYSTEM_PARAMS[PAYMENT_ID]=…); JSON is accepted too.
    const input = await readRequest(request, { schema: checkoutDataSchema, format: "json-or-form" });
    if (!input.ok) return paymentErrors(input.error);
    const result = await startBitrix24Checkout(deps, input.value.value);
    return result.ok ? json({ PAYMENT_URL: result.value.paymentUrl }) : paymentErrors(result.error);
  } catch (e) {
    return internalError("POST /api/bitrix24/checkout", e);
  }
}
