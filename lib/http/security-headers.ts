import { randomBytes } from "node:crypto";

// Security headers for every response. Only the shopper checkout may be framed, and only by the
// configured Bitrix origins (plus the app itself where the sandbox's demo store embeds it).
// Scripts run only with this response's nonce: Next reads it from the request's CSP header and puts
// it on its own scripts; 'strict-dynamic' lets those load the chunks they need (the way the Next
// documentation's "Adding a nonce with Proxy" guide sets it up), and no inline script without it runs.

export type HeaderConfig = {
  pathname: string;
  bitrixOrigins: string[];
  sandboxEnabled: boolean;
  https: boolean;
  dev: boolean;
  /** Per-request script nonce (base64). */
  nonce: string;
  /**
   * check/pay with the Kaspi button: the checkout may post the order to this URL as a browser form
   * (the fallback when Kaspi does not take the JSON request). Nothing else is added: the browser
   * never fetches from Kaspi (the server does), so connect-src stays 'self'.
   */
  kaspiFormAction?: string | undefined;
  /**
   * POST /bitrix24/install: the installing portal's origin (installFrameOrigin), the one frame the
   * install page is shown in (settings/app-installation/installation-finish.md: the page runs in
   * the portal and calls BX24.installFinish()).
   */
  installPortalOrigin?: string | null;
  /**
   * /bitrix24/app and /bitrix24/app/settings: the origin of the store's portal (its stored REST
   * base), the one frame the app's page is shown in. Only the route knows the store (the form
   * body's member_id): the route puts this CSP on its own answer, and proxy.ts leaves the CSP out
   * of the answers it passes on for these paths (its refusals say frame-ancestors 'none').
   */
  appPortalOrigin?: string | null;
  /**
   * /bitrix24/pay and /pay/{token} of an installed portal: its origin as the URL names it
   * (lib/bitrix24/pay-frame.ts framingPortalOf). When set, that portal is the one frame allowed,
   * instead of BITRIX_ORIGINS (the default store's portal).
   */
  payPortalOrigin?: string | null;
};

export function newCspNonce(): string {
  return randomBytes(16).toString("base64");
}

export const INSTALL_PATH = "/bitrix24/install";

/** The app's page inside the portal and its settings form (app/bitrix24/app). */
export const APP_PAGE_PATHS: readonly string[] = ["/bitrix24/app", "/bitrix24/app/settings"];
const isAppPage = (pathname: string) => APP_PAGE_PATHS.includes(pathname);

/**
 * The portal that frames the install page, from the install call's query: DOMAIN and PROTOCOL
 * (1 = https, 0 = http; bitrix24/b24restdocs settings/oauth/simple-way.md). Plain http only for a
 * loopback portal while the sandbox is on (tests), as the install itself (lib/bitrix24/oauth.ts).
 * Null when they do not name one: the page is then framed by nobody.
 */
export function installFrameOrigin(query: URLSearchParams, sandboxEnabled: boolean): string | null {
  const domain = (query.get("DOMAIN") ?? "").toLowerCase();
  if (!/^[a-z0-9.-]{1,253}(?::\d{1,5})?$/.test(domain)) return null;
  const protocol = query.get("PROTOCOL");
  if (protocol === "1") return `https://${domain}`;
  const loopback = /^(localhost|127(?:\.\d{1,3}){3})(?::\d{1,5})?$/.test(domain);
  return protocol === "0" && loopback && sandboxEnabled ? `http://${domain}` : null;
}

export function frameAncestors(
  c: Pick<
    HeaderConfig,
    "pathname" | "bitrixOrigins" | "sandboxEnabled" | "installPortalOrigin" | "appPortalOrigin" | "payPortalOrigin"
  >,
): string {
  if (c.pathname === INSTALL_PATH) return c.installPortalOrigin ?? "'none'";
  if (isAppPage(c.pathname)) return c.appPortalOrigin ?? "'none'";
  // /bitrix24/pay is Bitrix24's IFRAME_DATA page: framed by the portal like the checkout.
  if (!isCheckoutPage(c.pathname)) return "'none'";
  if (c.payPortalOrigin) return c.payPortalOrigin;
  const sources = [...(c.sandboxEnabled ? ["'self'"] : []), ...c.bitrixOrigins];
  return sources.length ? sources.join(" ") : "'none'";
}

/** The pages that show the checkout: the shopper's /pay/{token} and Bitrix24's IFRAME_DATA page. */
const isCheckoutPage = (pathname: string) => pathname.startsWith("/pay/") || pathname === "/bitrix24/pay";

/**
 * A URL as a CSP source: scheme, host, port and path exactly (no query: CSP has none), or null
 * when it holds a character that would end the directive.
 */
export function cspSourceOf(url: string): string | null {
  try {
    const u = new URL(url);
    const source = `${u.origin}${u.pathname}`;
    return /^https?:\/\/[^\s;,'"]+$/.test(source) ? source : null;
  } catch {
    return null;
  }
}

export function formAction(c: Pick<HeaderConfig, "pathname" | "kaspiFormAction">): string {
  const kaspi = c.kaspiFormAction && isCheckoutPage(c.pathname) ? cspSourceOf(c.kaspiFormAction) : null;
  return kaspi ? `'self' ${kaspi}` : "'self'";
}

export function contentSecurityPolicy(c: HeaderConfig): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${c.nonce}' 'strict-dynamic'${c.dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "frame-src 'self'",
    `form-action ${formAction(c)}`,
    "base-uri 'self'",
    "object-src 'none'",
    `frame-ancestors ${frameAncestors(c)}`,
  ].join("; ");
}

export function securityHeaders(c: HeaderConfig): Record<string, string> {
  return {
    "Content-Security-Policy": contentSecurityPolicy(c),
    // For browsers that ignore frame-ancestors; the checkout is framed by Bitrix, so it has none.
    // The app's page: no X-Frame-Options even when the proxy does not know the store yet, so that
    // the route's frame-ancestors (its store's portal) decides alone.
    ...(c.pathname.startsWith("/pay/") || (c.pathname === INSTALL_PATH && c.installPortalOrigin) || isAppPage(c.pathname)
      ? {}
      : { "X-Frame-Options": "DENY" }),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    ...(c.https ? { "Strict-Transport-Security": "max-age=63072000; includeSubDomains" } : {}),
  };
}

/** This request's script nonce, read back from the CSP header the proxy put on the request. */
export function scriptNonceOf(csp: string | null): string | undefined {
  return /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp ?? "")?.[1];
}
