import { randomUUID } from "node:crypto";
import { NextResponse, type NextRequest } from "next/server";
import { env } from "./lib/env";
import { errorStatus, type ErrorCode } from "./lib/errors";
import { RateLimiter } from "./lib/http/rate-limit";
import { MAX_BODY_BYTES } from "./lib/http/responses";
import { methodAllowed, policyFor, type RateGroup } from "./lib/http/route-policy";
import { securityHeaders } from "./lib/http/security-headers";

// Runs before every route: request ids, wrong methods, oversize bodies and floods are answered
// here with the one JSON error shape, and every response gets the security headers (CSP with
// frame-ancestors, nosniff, referrer policy, HSTS on https). Read at request time, so
// configuration changes need no rebuild.

const limiter = new RateLimiter();

function clientAddress(request: NextRequest): string {
  // The last hop is the one the nearest proxy (or Next itself) appended: clients cannot forge it.
  const hops = (request.headers.get("x-forwarded-for") ?? "").split(",").map((h) => h.trim());
  return hops.filter(Boolean).at(-1) ?? "unknown";
}

function limitFor(group: RateGroup): number {
  const e = env();
  switch (group) {
    case "intake":
      return e.RATE_LIMIT_INTAKE;
    case "checkout":
      return e.RATE_LIMIT_CHECKOUT;
    case "callback":
      return e.RATE_LIMIT_CALLBACK;
    case "sandbox":
    case "none":
      return 0;
  }
}

function jsonError(code: ErrorCode, message: string, headers: Record<string, string> = {}): NextResponse {
  return NextResponse.json({ error: { code, message } }, { status: errorStatus[code], headers });
}

export function proxy(request: NextRequest): NextResponse {
  const e = env();
  const { pathname } = request.nextUrl;
  const incoming = request.headers.get("x-request-id") ?? "";
  const requestId = /^[\w.-]{8,64}$/.test(incoming) ? incoming : randomUUID();

  let response: NextResponse | undefined;
  const policy = policyFor(pathname);
  if (policy) {
    const declared = Number(request.headers.get("content-length") ?? "0");
    if (!methodAllowed(policy, request.method)) {
      response = jsonError("METHOD_NOT_ALLOWED", `${request.method} is not allowed here`, {
        Allow: policy.methods.join(", "),
      });
    } else if (declared > MAX_BODY_BYTES) {
      response = jsonError("PAYLOAD_TOO_LARGE", `body must be at most ${MAX_BODY_BYTES} bytes`);
    } else {
      const perMinute = limitFor(policy.group);
      const waitMs = perMinute > 0 ? limiter.hit(`${policy.group}:${clientAddress(request)}`, { perMinute }) : 0;
      if (waitMs > 0) {
        response = jsonError("RATE_LIMITED", "too many requests; slow down", {
          "Retry-After": String(Math.ceil(waitMs / 1000)),
        });
      }
    }
  }
  if (!response) {
    const headers = new Headers(request.headers);
    headers.set("x-request-id", requestId);
    response = NextResponse.next({ request: { headers } });
  }
  response.headers.set("X-Request-Id", requestId);
  const security = securityHeaders({
    pathname,
    bitrixOrigins: e.bitrixOrigins,
    sandboxEnabled: e.sandboxEnabled,
    https: e.appUrl.startsWith("https://"),
    dev: e.NODE_ENV === "development",
  });
  for (const [name, value] of Object.entries(security)) response.headers.set(name, value);
  return response;
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
