// POST /api/merchant/logout — ends the session (CSRF-checked) and clears the cookie.
import { merchantAuthDeps } from "@/lib/container";
import { json } from "@/lib/http/responses";
import { merchantRoute } from "@/lib/merchant/route-guard";
import {
  clearedSessionCookie,
  cookieIsSecure,
  deleteSession,
  sessionCookieName,
  tokenFromCookieHeader,
} from "@/lib/merchant/sessions";

export async function POST(request: Request): Promise<Response> {
  return merchantRoute(request, { name: "POST /api/merchant/logout", mutating: true }, async () => {
    const { db, appUrl } = merchantAuthDeps();
    await deleteSession(db, tokenFromCookieHeader(request.headers.get("cookie"), sessionCookieName(appUrl)));
    return json({ signedOut: true }, 200, {
      "Set-Cookie": clearedSessionCookie(cookieIsSecure(appUrl), sessionCookieName(appUrl)),
    });
  });
}
