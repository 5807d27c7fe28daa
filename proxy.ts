import { randomUUID } from "node:crypto";
import { NextResponse, type NextRequest } from "next/server";
import { env } from "./lib/env";
import { errorStatus } from "./lib/errors";
import { gate } from "./lib/http/request-gate";
import { policyFor } from "./lib/http/route-policy";
import { newCspNonce, securityHeaders } from "./lib/http/security-headers";

// Runs before every route: request ids, malformed paths, wrong methods, oversize bodies and floods
// are answered here (lib/http/request-gate.ts; JSON under /api), and every response gets the
// security headers (CSP with a per-request script nonce and frame-ancestors, X-Frame-Options,
// nosniff, referrer policy, HSTS on https). Read at request time: no rebuild for config changes.

export function proxy(request: NextRequest): NextResponse {
  const e = env();
  const { pathname } = request.nextUrl;
  const incoming = request.headers.get("x-request-id") ?? "";
  const requestId = /^[\w.-]{8,64}$/.test(incoming) ? incoming : randomUUID();
  const security = securityHeaders({
    pathname,
    bitrixOrigins: e.bitrixOrigins,
    sandboxEnabled: e.sandboxEnabled,
    https: e.appUrl.startsWith("https://"),
    dev: e.NODE_ENV === "development",
    nonce: newCspNonce(),
  });

  let response: NextResponse;
  const refusal = gate(request, pathname);
  if (refusal) {
    const status = errorStatus[refusal.code];
    response =
      pathname.startsWith("/api/") || policyFor(pathname)
        ? NextResponse.json(
            { error: { code: refusal.code, message: refusal.message } },
            { status, headers: refusal.headers },
          )
        : new NextResponse(refusal.message, {
            status,
            headers: { "Content-Type": "text/plain; charset=utf-8", ...refusal.headers },
          });
  } else {
    const headers = new Headers(request.headers);
    headers.set("x-request-id", requestId);
    // Next takes the nonce for its own scripts from the request's CSP header.
    headers.set("content-security-policy", security["Content-Security-Policy"] ?? "");
    response = NextResponse.next({ request: { headers } });
  }
  response.headers.set("X-Request-Id", requestId);
  for (const [name, value] of Object.entries(security)) response.headers.set(name, value);
  return response;
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
