import { z } from "zod";
import { fail, ok, type Result } from "../errors";
import { refundPayment, type RefundDeps, type RefundStatus } from "../payments/refund-use-case";
import { storeOf } from "../stores/store-id";

// A refund started in the Bitrix admin ("return to the payment system" → the handler's
// IRefund::refund → POST /api/orders/{externalId}/refunds). It refunds the attempt that settled
// the order through the same guarded refund use case as the merchant area, keyed by Bitrix's
// refundId: the same refundId again answers the same refund instead of refunding twice.

export const bitrixRefundSchema = z.object({
  amount: z.number().int().positive(),
  refundId: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9_.:-]+$/, "may contain letters, digits and _ . : - only"),
});
export type BitrixRefundInput = z.infer<typeof bitrixRefundSchema> & { externalId: string };

/** SUCCEEDED: Kaspi refunded; PENDING: sent, Kaspi has not confirmed yet; FAILED: Kaspi refused. */
export const bitrixRefundAnswerSchema = z.object({
  refundId: z.string(),
  status: z.enum(["PENDING", "SUCCEEDED", "FAILED"]),
  amount: z.number().int(),
  refundedAmount: z.number().int(),
  paymentStatus: z.string(),
  message: z.string().optional(),
});
export type BitrixRefundAnswer = Omit<z.infer<typeof bitrixRefundAnswerSchema>, "status"> & { status: RefundStatus };

export async function refundFromBitrix(
  deps: Omit<RefundDeps, "storeId"> & { storeId?: string },
  input: BitrixRefundInput,
): Promise<Result<BitrixRefundAnswer>> {
  const order = await deps.db.order.findUnique({
    where: { storeId_externalId: { storeId: storeOf(deps), externalId: input.externalId } },
  });
  if (!order) return fail("NOT_FOUND", "no order with this externalId");
  // The attempt Bitrix was told is paid: the first one paid (later attempts are duplicates).
  const settled = await deps.db.payment.findFirst({
    where: { orderId: order.id, paidAt: { not: null } },
    orderBy: { paidAt: "asc" },
  });
  if (!settled) return fail("REFUND_NOT_ALLOWED", "the order has no paid payment to refund");

  const result = await refundPayment(
    { ...deps, storeId: storeOf(deps) },
    {
      paymentId: settled.id,
      amount: input.amount,
      idempotencyKey: `bitrix:${order.id}:${input.refundId}`,
      actor: { userId: "bitrix", email: "Bitrix admin" },
    },
  );
  if (!result.ok) {
    if (result.error.code === "REFUND_UNSUPPORTED") {
      return fail("REFUND_UNSUPPORTED", `this Kaspi protocol cannot refund through the API: ${result.error.message}`);
    }
    return result;
  }
  const { refund, payment } = result.value;
  return ok({
    refundId: input.refundId,
    status: refund.status,
    amount: refund.amount,
    refundedAmount: payment.refundedAmount,
    paymentStatus: payment.status,
    ...(refund.lastError ? { message: refund.lastError } : {}),
  });
}
