// POST /api/merchant/payments/{id}/refund — { amount, idempotencyKey? } (admin). 200 when Kaspi
// confirmed or refused, 202 when Kaspi did not answer and the refund is pending.
import { z } from "zod";
import { kaspiDeps } from "@/lib/container";
import { readRequest } from "@/lib/http/read-request";
import { errorResponse, json } from "@/lib/http/responses";
import { merchantRoute } from "@/lib/merchant/route-guard";
import { refundPayment } from "@/lib/payments/refund-use-case";

const bodySchema = z.object({
  amount: z.number().int().positive(),
  idempotencyKey: z.string().min(8).max(100).optional(),
});

export async function POST(request: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return merchantRoute(
    request,
    { name: "POST /api/merchant/payments/{id}/refund", role: "admin", mutating: true },
    async (session) => {
      const { id } = await ctx.params;
      const input = await readRequest(request, { schema: bodySchema });
      if (!input.ok) return errorResponse(input.error);
      const result = await refundPayment(kaspiDeps(), {
        paymentId: id,
        ...input.value.value,
        actor: { userId: session.userId, email: session.email },
      });
      if (!result.ok) return errorResponse(result.error);
      return json(result.value, result.value.refund.status === "PENDING" ? 202 : 200);
    },
  );
}
