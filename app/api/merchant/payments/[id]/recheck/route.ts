// POST /api/merchant/payments/{id}/recheck — asks Kaspi for the status now and applies it through
// the guarded transition (admin).
import { storeKaspiDeps } from "@/lib/container";
import { resultResponse } from "@/lib/http/responses";
import { merchantRoute } from "@/lib/merchant/route-guard";
import { recheckPayment } from "@/lib/payments/recheck-use-case";

const ROUTE = { name: "POST /api/merchant/payments/{id}/recheck", role: "admin", mutating: true } as const;

export async function POST(request: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return merchantRoute(request, ROUTE, async (session) => {
    const { id } = await ctx.params;
    return resultResponse(
      await recheckPayment(await storeKaspiDeps(session.storeId), { paymentId: id, actorEmail: session.email }),
    );
  });
}
