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
};

export function newCspNonce(): string {
  return randomBytes(16).toString("base64");
}

export function frameAncestors(c: Pick<HeaderConfig, "pathname" | "bitrixOrigins" | "sandboxEnabled">): string {
  // /bitrix24/pay is Bitrix24's IFRAME_DATA page: framed by the portal like the checkout.
  if (!c.pathname.startsWith("/pay/") && c.pathname !== "/bitrix24/pay") return "'none'";
  const sources = [...(c.sandboxEnabled ? ["'self'"] : []), ...c.bitrixOrigins];
  return sources.length ? sources.join(" ") : "'none'";
}

export function contentSecurityPolicy(c: HeaderConfig): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${c.nonce}' 'strict-dynamic'${c.dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "frame-src 'self'",
    "form-action 'self'",
    "base-uri 'self'",
    "object-src 'none'",
    `frame-ancestors ${frameAncestors(c)}`,
  ].join("; ");
}

export function securityHeaders(c: HeaderConfig): Record<string, string> {
  return {
    "Content-Security-Policy": contentSecurityPolicy(c),
    // For browsers that ignore frame-ancestors; the checkout is framed by Bitrix, so it has none.
    ...(c.pathname.startsWith("/pay/") ? {} : { "X-Frame-Options": "DENY" }),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    ...(c.https ? { "Strict-Transport-Security": "max-age=63072000; includeSubDomains" } : {}),
  };
}

/** This request's script nonce, read back from the CSP header the proxy put on the request. */
export function scriptNonceOf(csp: string | null): string | undefined {
  return /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp ?? "")?.[1];
}
