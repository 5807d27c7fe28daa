// POST /api/merchant/login — { email, password } → a session cookie (or 401 / 429).
import { z } from "zod";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { errorOf, errorResponse, internalError, json, parseWith, readJsonBody } from "@/lib/http/responses";
import { merchantLogin } from "@/lib/merchant/login-use-case";
import { clientAddress, originAllowed } from "@/lib/merchant/request-auth";
import { cookieIsSecure, sessionCookie, sessionCookieName, tokenFromCookieHeader } from "@/lib/merchant/sessions";

const bodySchema = z.object({ email: z.string().min(1).max(254), password: z.string().min(1).max(200) });

export async function POST(request: Request): Promise<Response> {
  try {
    const e = env();
    // Login CSRF: only the app's own sign-in page may sign a browser in.
    if (!originAllowed(request, e.appUrl)) return errorOf("CSRF_REJECTED", "request from another site refused");
    const body = await readJsonBody(request);
    if (!body.ok) return errorResponse(body.error);
    const input = parseWith(bodySchema, body.value.json);
    if (!input.ok) return errorResponse(input.error);
    const cookieName = sessionCookieName(e.appUrl);
    const result = await merchantLogin(db(), {
      ...input.value,
      address: clientAddress(request),
      previousToken: tokenFromCookieHeader(request.headers.get("cookie"), cookieName),
    });
    if (!result.ok) {
      const retry = (result.error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      return errorResponse(result.error, retry ? { "Retry-After": String(retry) } : {});
    }
    const { token, expiresAt, role } = result.value;
    return json({ role, expiresAt: expiresAt.toISOString() }, 200, {
      "Set-Cookie": sessionCookie(token, expiresAt, cookieIsSecure(e.appUrl), cookieName),
    });
  } catch (err) {
    return internalError("POST /api/merchant/login", err);
  }
}
