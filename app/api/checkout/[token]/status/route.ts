// GET /api/checkout/{token}/status — the shopper page's poll: our mirror only, never Kaspi.
import { db } from "@/lib/db";
import { errorOf, internalError, json } from "@/lib/http/responses";
import { readCheckoutStatus } from "@/lib/payments/checkout-status";

export async function GET(_request: Request, ctx: { params: Promise<{ token: string }> }): Promise<Response> {
  try {
    const { token } = await ctx.params;
    const view = await readCheckoutStatus(db(), token);
    return view ? json(view) : errorOf("NOT_FOUND", "unknown checkout");
  } catch (e) {
    return internalError("GET /api/checkout/{token}/status", e);
  }
}
