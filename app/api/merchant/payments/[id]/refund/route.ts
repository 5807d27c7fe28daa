// POST /api/merchant/payments/{id}/refund — { amount, idempotencyKey? } (admin). 200 when Kaspi
// confirmed or refused, 202 when Kaspi did not answer and the refund is pending.
import { kaspiGateway } from "@/lib/container";
import { db } from "@/lib/db";
import { errorResponse, json, parseWith, readJsonBody } from "@/lib/http/responses";
import { merchantRoute } from "@/lib/merchant/route-guard";
import { refundBodySchema } from "@/lib/payments/refund-schemas";
import { refundPayment } from "@/lib/payments/refund-use-case";

export async function POST(request: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return merchantRoute(
    request,
    { name: "POST /api/merchant/payments/{id}/refund", role: "admin", mutating: true },
    async (session) => {
      const { id } = await ctx.params;
      const body = await readJsonBody(request);
      if (!body.ok) return errorResponse(body.error);
      const input = parseWith(refundBodySchema, body.value.json);
      if (!input.ok) return errorResponse(input.error);
      const result = await refundPayment(
        { db: db(), gateway: kaspiGateway() },
        { paymentId: id, ...input.value, actor: { userId: session.userId, email: session.email } },
      );
      if (!result.ok) return errorResponse(result.error);
      return json(result.value, result.value.refund.status === "PENDING" ? 202 : 200);
    },
  );
}
