import { db } from "../db";
import { env } from "../env";
import { errorResponse, internalError } from "../http/responses";
import { authenticate } from "./request-auth";
import type { MerchantRole } from "./roles";
import type { MerchantSessionView } from "./sessions";

// The wrapper of every /api/merchant/* handler except sign-in: no session → 401 JSON, wrong role
// → 403, a state-changing request without the app's Origin and the session's CSRF token → 403.
export async function merchantRoute(
  request: Request,
  options: { name: string; role?: MerchantRole; mutating?: boolean },
  handle: (session: MerchantSessionView) => Promise<Response>,
): Promise<Response> {
  try {
    const auth = await authenticate(db(), request, {
      appUrl: env().appUrl,
      ...(options.role ? { role: options.role } : {}),
      ...(options.mutating ? { mutating: true } : {}),
    });
    if (!auth.ok) return errorResponse(auth.error);
    return await handle(auth.value);
  } catch (e) {
    return internalError(options.name, e);
  }
}
