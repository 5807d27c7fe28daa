import { z } from "zod";
import { PAYMENT_STATUSES } from "./status";

// The merchant refund API: POST /api/merchant/payments/{id}/refund's body, and the answer of it and
// of POST /api/merchant/refunds/{id}/retry (the refund-use-case's RefundView).

export const refundBodySchema = z.object({
  amount: z.number().int().positive(),
  idempotencyKey: z.string().min(8).max(100).optional(),
});

export const refundViewSchema = z.object({
  refund: z.object({
    id: z.string(),
    amount: z.number().int(),
    status: z.enum(["PENDING", "SUCCEEDED", "FAILED"]),
    kaspiRefundId: z.string().nullable(),
    lastError: z.string().nullable(),
  }),
  payment: z.object({
    id: z.string(),
    status: z.enum(PAYMENT_STATUSES),
    amount: z.number().int(),
    refundedAmount: z.number().int(),
    refundingAmount: z.number().int(),
  }),
});
