// POST /api/merchant/payments/{id}/refund — { amount, idempotencyKey? } (admin). 200 when Kaspi
// confirmed or refused, 202 when Kaspi did not answer and the refund is pending.
import { storeKaspiDeps } from "@/lib/container";
import { readRequest } from "@/lib/http/read-request";
import { errorResponse, resultResponse } from "@/lib/http/responses";
import { merchantRoute } from "@/lib/merchant/route-guard";
import { refundBodySchema } from "@/lib/payments/refund-schemas";
import { refundPayment } from "@/lib/payments/refund-use-case";

const ROUTE = { name: "POST /api/merchant/payments/{id}/refund", role: "admin", mutating: true } as const;

export async function POST(request: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return merchantRoute(request, ROUTE, async (session) => {
    const input = await readRequest(request, { schema: refundBodySchema });
    if (!input.ok) return errorResponse(input.error);
    const actor = { userId: session.userId, email: session.email };
    const result = await refundPayment(
      await storeKaspiDeps(session.storeId),
      { paymentId: (await ctx.params).id, ...input.value.value, actor },
    );
    return resultResponse(result, (v) => (v.refund.status === "PENDING" ? 202 : 200));
  });
}
