// Security headers for every response. Only the shopper checkout may be framed, and only by the
// configured Bitrix origins (plus the app itself where the sandbox's demo store embeds it).

export type HeaderConfig = {
  pathname: string;
  bitrixOrigins: string[];
  sandboxEnabled: boolean;
  https: boolean;
  dev: boolean;
};

export function frameAncestors(c: Pick<HeaderConfig, "pathname" | "bitrixOrigins" | "sandboxEnabled">): string {
  // /bitrix24/pay is Bitrix24's IFRAME_DATA page: framed by the portal like the checkout.
  if (!c.pathname.startsWith("/pay/") && c.pathname !== "/bitrix24/pay") return "'none'";
  const sources = [...(c.sandboxEnabled ? ["'self'"] : []), ...c.bitrixOrigins];
  return sources.length ? sources.join(" ") : "'none'";
}

export function securityHeaders(c: HeaderConfig): Record<string, string> {
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'unsafe-inline'${c.dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "frame-src 'self'",
    "form-action 'self'",
    "base-uri 'self'",
    "object-src 'none'",
    `frame-ancestors ${frameAncestors(c)}`,
  ].join("; ");
  return {
    "Content-Security-Policy": csp,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    ...(c.https ? { "Strict-Transport-Security": "max-age=63072000; includeSubDomains" } : {}),
  };
}
