import { createHmac, timingSafeEqual } from "node:crypto";

// Bitrix24 does not sign what it posts to CHECKOUT_DATA's ACTION_URI, so the URI itself carries a
// per-installation secret: derived from BITRIX_SHARED_SECRET (no extra setting to keep), put into
// the ACTION_URI by `bitrix24:register`. Without it POST /api/bitrix24/checkout answers 404, so
// nobody else can make the app call the portal's REST API or create orders.

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
