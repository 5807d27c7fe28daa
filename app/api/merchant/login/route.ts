// POST /api/merchant/login — { email, password } → a session cookie (or 401 / 429).
import { loginBodySchema } from "@/lib/merchant/api-schemas";
import { merchantAuthDeps } from "@/lib/container";
import { readRequest } from "@/lib/http/read-request";
import { errorOf, errorResponse, internalError, json } from "@/lib/http/responses";
import { merchantLogin } from "@/lib/merchant/login-use-case";
import { clientAddress, originAllowed } from "@/lib/merchant/request-auth";
import { cookieIsSecure, sessionCookie, sessionCookieName, tokenFromCookieHeader } from "@/lib/merchant/sessions";

export async function POST(request: Request): Promise<Response> {
  try {
    const deps = merchantAuthDeps();
    // Login CSRF: only the app's own sign-in page may sign a browser in.
    if (!originAllowed(request, deps.appUrl)) return errorOf("CSRF_REJECTED", "request from another site refused");
    const input = await readRequest(request, { schema: loginBodySchema });
    if (!input.ok) return errorResponse(input.error);
    const cookieName = sessionCookieName(deps.appUrl);
    const result = await merchantLogin(deps.db, {
      ...input.value.value,
      address: clientAddress(request),
      previousToken: tokenFromCookieHeader(request.headers.get("cookie"), cookieName),
    });
    if (!result.ok) {
      const retry = (result.error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      return errorResponse(result.error, retry ? { "Retry-After": String(retry) } : {});
    }
    const { token, expiresAt, role } = result.value;
    return json({ role, expiresAt: expiresAt.toISOString() }, 200, {
      "Set-Cookie": sessionCookie(token, expiresAt, cookieIsSecure(deps.appUrl), cookieName),
    });
  } catch (err) {
    return internalError("POST /api/merchant/login", err);
  }
}
