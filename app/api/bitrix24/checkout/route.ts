// POST /api/bitrix24/checkout — Bitrix24's CHECKOUT_DATA request (unsigned), and the claim the
// IFRAME_DATA page sends on the portal's behalf: confirms the payment over REST, creates the
// order and answers { PAYMENT_URL, PAYMENT_ID } or { PAYMENT_ERRORS: [...] }.
// Always HTTP 200: Bitrix decodes the body of a 200 only (sale/lib/helpers/rest/http.php), so a
// refusal with another status would reach the shopper as "data missing" instead of its reason.
import { checkoutDataSchema } from "@/lib/bitrix24/checkout-request";
import { startBitrix24Checkout } from "@/lib/bitrix24/checkout-use-case";
import { shopperMessage } from "@/lib/bitrix24/shopper-errors";
import { bitrix24CheckoutDeps } from "@/lib/container";
import type { AppError } from "@/lib/errors";
import { readRequest } from "@/lib/http/read-request";
import { internalError, json } from "@/lib/http/responses";

function paymentErrors(error: AppError): Response {
  return json({ PAYMENT_ERRORS: [shopperMessage(error)], error: { code: error.code, message: error.message } });
}

export async function POST(request: Request): Promise<Response> {
  try {
    const deps = bitrix24CheckoutDeps();
    if (!deps) return paymentErrors({ code: "NOT_FOUND", message: "this app is not connected to a Bitrix24 portal" });
    // Bitrix24 posts a PHP-style form (BX_SYSTEM_PARAMS[PAYMENT_ID]=…); JSON is accepted too.
    const input = await readRequest(request, { schema: checkoutDataSchema, format: "json-or-form" });
    if (!input.ok) return paymentErrors(input.error);
    const result = await startBitrix24Checkout(deps, input.value.value);
    return result.ok
      ? json({ PAYMENT_URL: result.value.paymentUrl, PAYMENT_ID: result.value.paymentId })
      : paymentErrors(result.error);
  } catch (e) {
    return internalError("POST /api/bitrix24/checkout", e);
  }
}
