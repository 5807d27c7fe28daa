// POST /api/bitrix24/checkout — Bitrix24's CHECKOUT_DATA request (unsigned), and the claim the
// IFRAME_DATA page sends on the portal's behalf: confirms the payment over REST, creates the
// order and answers { PAYMENT_URL, PAYMENT_ID } or { PAYMENT_ERRORS: [...] }.
// Always HTTP 200: Bitrix decodes the body of a 200 only (sale/lib/helpers/rest/http.php), so a
// refusal with another status would reach the shopper as "data missing" instead of its reason.
import { checkoutDataSchema } from "@/lib/bitrix24/checkout-request";
import { startBitrix24Checkout } from "@/lib/bitrix24/checkout-use-case";
import { bitrix24CheckoutDeps } from "@/lib/container";
import type { AppError } from "@/lib/errors";
import { checkoutKeyMatches, UNIFORM_CHECKOUT_ERROR } from "@/lib/bitrix24/checkout-access";
import { readRequest } from "@/lib/http/read-request";
import { errorOf, internalError, json } from "@/lib/http/responses";
import { requestLog } from "@/lib/log";

// Bitrix24 shows PAYMENT_ERRORS to the shopper: one uniform text for every refusal (the reason is
// logged, and stays in `error` for support), so a caller learns nothing about which check failed.
function paymentErrors(error: AppError, request: Request): Response {
  requestLog(request, "POST /api/bitrix24/checkout").warn(
    { code: error.code, reason: error.message },
    "checkout refused",
  );
  return json({
    PAYMENT_ERRORS: [UNIFORM_CHECKOUT_ERROR],
    error: { code: error.code, message: UNIFORM_CHECKOUT_ERROR },
  });
}

export async function POST(request: Request): Promise<Response> {
  try {
    const deps = bitrix24CheckoutDeps();
    // Without the installation's key in the ACTION_URI this endpoint does not exist.
    if (!deps || !checkoutKeyMatches(request, deps.sharedSecret)) return errorOf("NOT_FOUND", "not found");
    // Bitrix24 posts a PHP-style form (BX_SYSTEM_PARAMS[PAYMENT_ID]=…); JSON is accepted too.
    const input = await readRequest(request, { schema: checkoutDataSchema, format: "json-or-form" });
    if (!input.ok) return paymentErrors(input.error, request);
    const result = await startBitrix24Checkout(deps, input.value.value);
    return result.ok
      ? json({ PAYMENT_URL: result.value.paymentUrl, PAYMENT_ID: result.value.paymentId })
      : paymentErrors(result.error, request);
  } catch (e) {
    return internalError("POST /api/bitrix24/checkout", e);
  }
}
