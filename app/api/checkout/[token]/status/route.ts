// GET /api/checkout/{token}/status — the shopper page's poll: our mirror only, never Kaspi.
// (server.mjs's fast path answers this path before Next in every mode, behind the same gate, see
// lib/live/node-handler.ts; this handler answers what the fast path hands over and the route tests.)
import { errorOf, internalError, json } from "@/lib/http/responses";
import { readStatusSnapshot } from "@/lib/live/status-reader";
import { CHECKOUT_TOKEN } from "@/lib/payments/checkout-token";

export async function GET(_request: Request, ctx: { params: Promise<{ token: string }> }): Promise<Response> {
  try {
    const { token } = await ctx.params;
    // Not token-shaped (e.g. a NUL byte, which PostgreSQL refuses in text): no such checkout, no query.
    if (!CHECKOUT_TOKEN.test(token)) return errorOf("NOT_FOUND", "unknown checkout");
    const snapshot = await readStatusSnapshot(token);
    return snapshot ? json(snapshot.view) : errorOf("NOT_FOUND", "unknown checkout");
  } catch (e) {
    return internalError("GET /api/checkout/{token}/status", e);
  }
}
