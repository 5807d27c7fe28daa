import { createHmac, timingSafeEqual } from "node:crypto";
import { isLoopbackHost } from "./oauth";

// Which portal may frame the IFRAME_DATA page (/bitrix24/pay) and the checkout it turns into
// (/pay/{token}) for an installed portal. The default store's portal is configured
// (BITRIX_ORIGINS, its webhook's origin); an installed portal's is its store's (Store.restBase).
// proxy.ts sets frame-ancestors before any handler runs and has no database, so the URL names the
// portal and what is rendered proves it:
// - /bitrix24/pay?key=…&portal=<origin>: the install registers this ACTION_URI. The page renders
//   the claim only when the key's store has exactly that origin (else 404): a `portal` of one's
//   choosing frames nothing but a 404.
// - /pay/{token}?portal=<origin>&pf=<mac>: the checkout endpoint adds these to PAYMENT_URL for an
//   installed portal, and POST /api/orders to checkoutUrl for an on-premise store with an origin;
//   the MAC (frameSecretOf: a key derived from the app's client secret, else from
//   STORE_SECRETS_KEY) binds the origin to that checkout token, so no one can make a shopper's
//   checkout frameable by another origin.

export const PORTAL_PARAM = "portal";
export const FRAME_MAC_PARAM = "pf";

/** `value` as a portal origin a frame may have: https, or http to loopback while the sandbox is on. */
export function portalOriginParam(value: string | null, sandboxEnabled: boolean): string | null {
  if (!value || value.length > 300) return null;
  try {
    const u = new URL(value);
    if (u.origin !== value) return null;
    if (u.protocol === "https:") return u.origin;
    return u.protocol === "http:" && sandboxEnabled && isLoopbackHost(u.hostname) ? u.origin : null;
  } catch {
    return null;
  }
}

/**
 * The secret the frame MACs are made with: the Bitrix24 app's client secret when the app is
 * configured, else one derived from the current STORE_SECRETS_KEY (every store but the default one
 * needs it); null when neither is set (then only the default store's origins frame anything).
 */
export function frameSecretOf(e: {
  bitrix24App: { clientSecret: string } | null;
  storeSecrets: { current: { key: Buffer } } | null;
}): string | null {
  if (e.bitrix24App) return e.bitrix24App.clientSecret;
  if (!e.storeSecrets) return null;
  return createHmac("sha256", e.storeSecrets.current.key).update("checkout-frame-secret").digest("hex");
}

function macKey(clientSecret: string): Buffer {
  return createHmac("sha256", clientSecret).update("bitrix24-checkout-frame").digest();
}

export function checkoutFrameMac(clientSecret: string, token: string, origin: string): string {
  return createHmac("sha256", macKey(clientSecret)).update(`${token}\0${origin}`).digest("base64url").slice(0, 32);
}

/** PAYMENT_URL of an installed portal's checkout: framed by that portal. */
export function checkoutUrlForPortal(paymentUrl: string, origin: string, clientSecret: string): string {
  const url = new URL(paymentUrl);
  const token = decodeURIComponent(url.pathname.split("/").pop() ?? "");
  url.searchParams.set(PORTAL_PARAM, origin);
  url.searchParams.set(FRAME_MAC_PARAM, checkoutFrameMac(clientSecret, token, origin));
  return url.toString();
}

/**
 * The portal origin a request's URL names for framing: /bitrix24/pay's `portal` (checked by the
 * page), /pay/{token}'s `portal` with a valid MAC. Null otherwise (then BITRIX_ORIGINS apply).
 */
export function framingPortalOf(
  pathname: string,
  query: URLSearchParams,
  options: { sandboxEnabled: boolean; clientSecret: string | null },
): string | null {
  const origin = portalOriginParam(query.get(PORTAL_PARAM), options.sandboxEnabled);
  if (!origin) return null;
  if (pathname === "/bitrix24/pay") return origin;
  const m = /^\/pay\/([^/]+)$/.exec(pathname);
  if (!m || !options.clientSecret) return null;
  const given = Buffer.from(query.get(FRAME_MAC_PARAM) ?? "");
  let token: string;
  try {
    token = decodeURIComponent(m[1]!);
  } catch {
    return null;
  }
  const expected = Buffer.from(checkoutFrameMac(options.clientSecret, token, origin));
  return given.length === expected.length && timingSafeEqual(given, expected) ? origin : null;
}
