import { createHmac, timingSafeEqual } from "node:crypto";

// Bitrix24 does not sign what it posts to CHECKOUT_DATA's ACTION_URI, so the URI carries a
// per-installation key: derived from BITRIX_SHARED_SECRET (no extra setting to keep; the HMAC does
// not reveal the secret), put into the ACTION_URI by `bitrix24:register`. Without it
// POST /api/bitrix24/checkout and /bitrix24/pay answer 404.
// The key is PUBLIC, not a secret: in IFRAME_DATA mode (the default) the portal frames
// /bitrix24/pay?key=… in every shopper's browser and the page's claim carries it, so any shopper
// has it and can call the endpoint directly. It therefore grants nothing on its own beyond what
// the portal confirms: a checkout for a payment that exists on the portal, unpaid, in KZT, of a
// Kaspi pay system, with its sum (sale.payment.get and sale.paysystem.list on the store's webhook,
// lib/bitrix24/checkout-use-case.ts), and every REST call that costs is within the budgets of
// lib/bitrix24/checkout-budget.ts (BITRIX24_REST_BUDGET_PAYMENT, BITRIX24_REST_BUDGET_STORE).

export const CHECKOUT_KEY_PARAM = "key";

export function checkoutKey(sharedSecret: string): string {
  return createHmac("sha256", sharedSecret).update("bitrix24-checkout-action-uri").digest("base64url").slice(0, 32);
}

export function checkoutKeyMatches(request: Request, sharedSecret: string): boolean {
  let given: string;
  try {
    given = new URL(request.url).searchParams.get(CHECKOUT_KEY_PARAM) ?? "";
  } catch {
    return false;
  }
  return keyMatches(given, sharedSecret);
}

/** The installation's key compared in constant time (the IFRAME_DATA page checks its own URL's key). */
export function keyMatches(given: string, sharedSecret: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(checkoutKey(sharedSecret));
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * What the shopper sees for any refusal: the reason goes to the log, not to the caller. Bitrix24
 * shows PAYMENT_ERRORS as they are (RestHandler::initiateCheckoutPay, sale/lib/paysystem/
 * resthandler.php), so it is written for a shopper, in Russian, the language of the stores served.
 */
export const UNIFORM_CHECKOUT_ERROR =
  "Не удалось начать оплату через Kaspi. Выберите другой способ оплаты или свяжитесь с магазином.";

/** What the shopper sees when the store's Bitrix24 REST budget is used up for now (HTTP 429). */
export const BUSY_CHECKOUT_ERROR = "Слишком много попыток начать оплату через Kaspi. Повторите через минуту.";

/** RETURN_URL is honoured only on the portal's own host (no open redirect through our checkout). */
export function returnUrlOnPortal(returnUrl: string | undefined, webhookUrl: string): string | undefined {
  if (!returnUrl) return undefined;
  try {
    const url = new URL(returnUrl);
    if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
    return url.host === new URL(webhookUrl).host ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}
