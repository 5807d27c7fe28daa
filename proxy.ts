import { NextResponse, type NextRequest } from "next/server";
import { env } from "./lib/env";
import { securityHeaders } from "./lib/http/security-headers";

// Adds the security headers (CSP with frame-ancestors, nosniff, referrer policy, HSTS on https)
// to every response. Read at request time, so BITRIX_ORIGINS changes need no rebuild.
export function proxy(request: NextRequest): NextResponse {
  const e = env();
  const response = NextResponse.next();
  const headers = securityHeaders({
    pathname: request.nextUrl.pathname,
    bitrixOrigins: e.bitrixOrigins,
    sandboxEnabled: e.sandboxEnabled,
    https: e.appUrl.startsWith("https://"),
    dev: e.NODE_ENV === "development",
  });
  for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
  return response;
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
