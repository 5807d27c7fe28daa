// POST /api/bitrix24/checkout — Bitrix24's CHECKOUT_DATA request (unsigned), and the claim the
// IFRAME_DATA page sends on the portal's behalf: confirms the payment over REST, creates the
// order and answers { PAYMENT_URL, PAYMENT_ID } or { PAYMENT_ERRORS: [...] }.
// The ?key= is public (the IFRAME_DATA page gives it to every shopper): it only keeps the endpoint
// out of reach of those who never saw the store's payment page. What it opens is bounded in the use
// case: a checkout for a payment the portal confirms, within the REST budgets.
// Always HTTP 200 once the key is right: Bitrix decodes the body of a 200 only
// (sale/lib/helpers/rest/http.php), so a refusal with another status would reach the shopper as
// "data missing" instead of its reason. A used-up REST budget adds Retry-After to its 200.
import { checkoutDataSchema } from "@/lib/bitrix24/checkout-request";
import { startBitrix24Checkout } from "@/lib/bitrix24/checkout-use-case";
import { bitrix24CheckoutFor, framedCheckoutUrl } from "@/lib/container";
import type { AppError } from "@/lib/errors";
import { BUSY_CHECKOUT_ERROR, CHECKOUT_KEY_PARAM, UNIFORM_CHECKOUT_ERROR } from "@/lib/bitrix24/checkout-access";
import { readRequest } from "@/lib/http/read-request";
import { errorOf, internalError, json } from "@/lib/http/responses";
import { requestLog } from "@/lib/log";
import { DEFAULT_STORE_ID } from "@/lib/stores/store-id";

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

// The store's Bitrix24 REST budget (per payment or per store) is used up: RATE_LIMITED in the app's
// error body with Retry-After, and PAYMENT_ERRORS for Bitrix24 and the IFRAME_DATA page to show.
function restBudgetUsedUp(error: AppError, request: Request): Response {
  const retryAfter = (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds ?? 60;
  requestLog(request, "POST /api/bitrix24/checkout").warn(
    { code: error.code, reason: error.message },
    "checkout refused",
  );
  return json(
    {
      PAYMENT_ERRORS: [BUSY_CHECKOUT_ERROR],
      error: { code: error.code, message: BUSY_CHECKOUT_ERROR, details: { retryAfterSeconds: retryAfter } },
    },
    200,
    { "Retry-After": String(retryAfter) },
  );
}

/**
 * An installed portal's checkout URL names the portal, bound to the checkout token by a MAC
 * (lib/bitrix24/pay-frame.ts): in IFRAME_DATA mode the page turns into it inside that portal's
 * frame, which proxy.ts then allows. The default store's is as before (BITRIX_ORIGINS frame it).
 */
function paymentUrlOf(deps: { storeId?: string; portalUrl: string }, paymentUrl: string): string {
  if (!deps.storeId || deps.storeId === DEFAULT_STORE_ID) return paymentUrl;
  return framedCheckoutUrl(paymentUrl, new URL(deps.portalUrl).origin);
}

export async function POST(request: Request): Promise<Response> {
  try {
    // The ACTION_URI's key names the store: the environment's (derived from BITRIX_SHARED_SECRET)
    // or an installed portal's own. Without one this endpoint does not exist (the key is public in
    // IFRAME_DATA mode: it is no authentication, the REST confirmation on that store's portal is).
    const target = await bitrix24CheckoutFor(new URL(request.url).searchParams.get(CHECKOUT_KEY_PARAM) ?? "");
    if (!target) return errorOf("NOT_FOUND", "not found");
    // A portal that removed the app: Bitrix24 shows PAYMENT_ERRORS; nothing is asked of the portal.
    if ("uninstalled" in target) {
      return paymentErrors(
        { code: "PAYMENT_NOT_CONFIRMED", message: "the app is uninstalled from this portal" },
        request,
      );
    }
    const deps = target.deps;
    // Bitrix24 posts a PHP-style form (BX_SYSTEM_PARAMS[PAYMENT_ID]=…); JSON is accepted too.
    const input = await readRequest(request, { schema: checkoutDataSchema, format: "json-or-form" });
    if (!input.ok) return paymentErrors(input.error, request);
    const result = await startBitrix24Checkout(deps, input.value.value);
    if (result.ok) {
      return json({ PAYMENT_URL: paymentUrlOf(deps, result.value.paymentUrl), PAYMENT_ID: result.value.paymentId });
    }
    return result.error.code === "RATE_LIMITED"
      ? restBudgetUsedUp(result.error, request)
      : paymentErrors(result.error, request);
  } catch (e) {
    return internalError("POST /api/bitrix24/checkout", e);
  }
}
