import { z } from "zod";
import { PAYMENT_STATUSES } from "./status";

// Shapes of the shopper-facing checkout API, shared by the route handlers and the polling page.

export const statusViewSchema = z.object({
  status: z.enum(PAYMENT_STATUSES),
  updatedAt: z.string(),
});
export type StatusView = z.infer<typeof statusViewSchema>;

export const paymentViewSchema = z.object({
  status: z.enum(PAYMENT_STATUSES),
  attempt: z.number().int().nonnegative(),
  paymentLink: z.string().optional(),
  qr: z.object({ format: z.enum(["text", "png-base64"]), value: z.string() }).optional(),
  expiresAt: z.string().optional(),
});
export type PaymentView = z.infer<typeof paymentViewSchema>;

export const startPaymentBodySchema = z
  .object({
    /** Ask for a new attempt after this (failed or expired) one; without it, the current one is reused. */
    retryOf: z.number().int().positive().optional(),
  })
  .strict();
