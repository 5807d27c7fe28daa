import { timingSafeEqual } from "node:crypto";
import type { Db } from "../db";
import { clientAddressOf } from "../http/client-address";
import { fail, ok, type Result } from "../errors";
import { roleAllows, type MerchantRole } from "./roles";
import { findSession, sessionCookieName, tokenFromCookieHeader, type MerchantSessionView } from "./sessions";

// Authentication and CSRF checks of /api/merchant/* requests. Every route calls authenticate();
// state-changing ones pass mutating: true, which adds two CSRF guards: the Origin (or Referer)
// must be the app's own, and X-CSRF-Token must equal the session's token.

export const CSRF_HEADER = "x-csrf-token";

export function originAllowed(request: Request, appUrl: string): boolean {
  const allowed = new Set([new URL(appUrl).origin, new URL(request.url).origin]);
  const origin = request.headers.get("origin");
  if (origin) return allowed.has(origin);
  const referer = request.headers.get("referer");
  if (!referer) return false;
  try {
    return allowed.has(new URL(referer).origin);
  } catch {
    return false;
  }
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export async function authenticate(
  db: Db,
  request: Request,
  options: { role?: MerchantRole; mutating?: boolean; appUrl: string },
): Promise<Result<MerchantSessionView>> {
  const cookie = tokenFromCookieHeader(request.headers.get("cookie"), sessionCookieName(options.appUrl));
  const session = await findSession(db, cookie);
  if (!session) return fail("UNAUTHORIZED", "sign in to the merchant area first");
  if (options.mutating) {
    if (!originAllowed(request, options.appUrl)) return fail("CSRF_REJECTED", "request from another site refused");
    const token = request.headers.get(CSRF_HEADER) ?? "";
    if (!sameToken(token, session.csrfToken)) return fail("CSRF_REJECTED", "missing or wrong CSRF token");
  }
  if (!roleAllows(session.role, options.role ?? "viewer")) {
    return fail("FORBIDDEN", "this needs the admin role");
  }
  return ok(session);
}

/** The client's address for per-address throttling: the one answer of lib/http/client-address.ts. */
export function clientAddress(request: Request): string {
  return clientAddressOf(request) ?? "unknown";
}
