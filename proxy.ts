import { NextResponse, type NextRequest } from "next/server";
import { frameSecretOf, framingPortalOf } from "./lib/bitrix24/pay-frame";
import { env } from "./lib/env";
import { gate, refusalAnswer, requestIdFrom } from "./lib/http/request-gate";
import {
  APP_PAGE_PATHS,
  INSTALL_PATH,
  installFrameOrigin,
  newCspNonce,
  securityHeaders,
} from "./lib/http/security-headers";

// Runs before every route Next serves: request ids, and the one gate (lib/http/request-gate.ts,
// which the fast path in lib/live/node-handler.ts passes too) answers malformed paths, wrong
// methods, oversize bodies and floods. Every response gets the security headers (CSP with a
// per-request script nonce and frame-ancestors, X-Frame-Options, nosniff, referrer policy, HSTS
// on https). Read at request time: no rebuild for config changes.

export function proxy(request: NextRequest): NextResponse {
  const e = env();
  const { pathname } = request.nextUrl;
  const requestId = requestIdFrom(request.headers.get("x-request-id"));
  const security = securityHeaders({
    pathname,
    bitrixOrigins: e.bitrixOrigins,
    sandboxEnabled: e.sandboxEnabled,
    https: e.appUrl.startsWith("https://"),
    dev: e.NODE_ENV === "development",
    nonce: newCspNonce(),
    kaspiFormAction: e.checkoutFormAction,
    installPortalOrigin:
      pathname === INSTALL_PATH ? installFrameOrigin(request.nextUrl.searchParams, e.sandboxEnabled) : null,
    // An installed portal's IFRAME_DATA page and checkout: framed by that portal only.
    payPortalOrigin: framingPortalOf(pathname, request.nextUrl.searchParams, {
      sandboxEnabled: e.sandboxEnabled,
      clientSecret: frameSecretOf(e),
    }),
  });

  let response: NextResponse;
  const refusal = gate({ method: request.method, pathname, headers: request.headers });
  if (refusal) {
    const answer = refusalAnswer(refusal, pathname);
    response = new NextResponse(answer.body, { status: answer.status, headers: answer.headers });
  } else {
    const headers = new Headers(request.headers);
    headers.set("x-request-id", requestId);
    // Next takes the nonce for its own scripts from the request's CSP header.
    headers.set("content-security-policy", security["Content-Security-Policy"] ?? "");
    response = NextResponse.next({ request: { headers } });
  }
  response.headers.set("X-Request-Id", requestId);
  for (const [name, value] of Object.entries(security)) {
    // The app's page in a portal: only its route knows the store (member_id is in the form body),
    // so the route sets the CSP naming that store's portal. Next keeps a header the proxy set over
    // the route's (next/dist/server/send-response.js adds a route's header only when absent), so
    // the proxy leaves this one out for the requests it passes on.
    if (!refusal && name === "Content-Security-Policy" && APP_PAGE_PATHS.includes(pathname)) continue;
    response.headers.set(name, value);
  }
  return response;
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
