// POST /api/merchant/refunds/{id}/retry — sends a pending refund to Kaspi again (admin).
import { storeKaspiDeps } from "@/lib/container";
import { resultResponse } from "@/lib/http/responses";
import { merchantRoute } from "@/lib/merchant/route-guard";
import { retryRefund } from "@/lib/payments/refund-use-case";

export async function POST(request: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return merchantRoute(
    request,
    { name: "POST /api/merchant/refunds/{id}/retry", role: "admin", mutating: true },
    async (session) => {
      const { id } = await ctx.params;
      const result = await retryRefund(await storeKaspiDeps(session.storeId), id);
      return resultResponse(result, (v) => (v.refund.status === "PENDING" ? 202 : 200));
    },
  );
}
