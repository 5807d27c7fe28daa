// GET /api/checkout/{token}/status — the shopper page's poll: our mirror only, never Kaspi.
// (The production server answers this path before Next, see lib/live/node-handler.ts; this
// handler serves `next dev` and anything the fast path hands over.)
import { errorOf, internalError, json } from "@/lib/http/responses";
import { readStatusSnapshot } from "@/lib/live/status-reader";

export async function GET(_request: Request, ctx: { params: Promise<{ token: string }> }): Promise<Response> {
  try {
    const { token } = await ctx.params;
    const snapshot = await readStatusSnapshot(token);
    return snapshot ? json(snapshot.view) : errorOf("NOT_FOUND", "unknown checkout");
  } catch (e) {
    return internalError("GET /api/checkout/{token}/status", e);
  }
}
