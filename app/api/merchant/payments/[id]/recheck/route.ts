// POST /api/merchant/payments/{id}/recheck — asks Kaspi for the status now and applies it through
// the guarded transition (admin).
import { kaspiDeps } from "@/lib/container";
import { errorResponse, json } from "@/lib/http/responses";
import { merchantRoute } from "@/lib/merchant/route-guard";
import { recheckPayment } from "@/lib/payments/recheck-use-case";

export async function POST(request: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return merchantRoute(
    request,
    { name: "POST /api/merchant/payments/{id}/recheck", role: "admin", mutating: true },
    async (session) => {
      const { id } = await ctx.params;
      const result = await recheckPayment(kaspiDeps(), { paymentId: id, actorEmail: session.email });
      return result.ok ? json(result.value) : errorResponse(result.error);
    },
  );
}
