import { z } from "zod";
import { ITEMS_JSON_SCHEMA, customerSchema } from "./order-items";
import { PAYMENT_STATUSES } from "./status";

// Bitrix's order intake body (POST /api/orders). Amount and phone get their own checks with
// dedicated error codes, so they are only typed loosely here.

export const LANGS = ["ru", "kk", "en"] as const;
export type Lang = (typeof LANGS)[number];

export const externalIdSchema = z
  .string()
  .min(1)
  .max(100)
  // "#" is not allowed: the app names later payment attempts "<externalId>#<attempt>" at Kaspi.
  .regex(/^[A-Za-z0-9_.:/-]+$/, "may contain letters, digits and _ . : / - only");

export const orderIntakeSchema = z.object({
  externalId: externalIdSchema,
  accountNumber: z.string().min(1).max(100).optional(),
  // Checked by checkAmount (INVALID_AMOUNT, not VALIDATION_FAILED); the meta is what the API document says.
  amount: z.unknown().meta({ type: "integer", description: "whole tenge, within ORDER_MIN_AMOUNT..ORDER_MAX_AMOUNT" }),
  currency: z.literal("KZT", { error: 'currency must be "KZT"' }),
  phone: z.string().max(40).optional(),
  description: z.string().max(500).optional(),
  returnUrl: z
    .url({ protocol: /^https?$/, error: "returnUrl must be an http(s) URL" })
    .max(2000)
    .optional(),
  lang: z
    .string()
    .transform((v) => (v.toLowerCase() === "kz" ? "kk" : v.toLowerCase()))
    .pipe(z.enum(LANGS))
    .optional()
    .meta({ description: "ru, kk (or kz) or en, any case" }),
  // Checked by parseOrderItems (400 INVALID_ITEMS naming the rule or the difference to amount).
  items: z.unknown().optional().meta(ITEMS_JSON_SCHEMA),
  customer: customerSchema.optional().meta({ description: "the buyer, for the fiscal receipt (Webkassa e-mails it)" }),
});
export type OrderIntake = z.infer<typeof orderIntakeSchema>;

/** POST /api/orders answer (201 new, 200 repeat or updated). */
export const orderAcceptedSchema = z.object({
  orderId: z.string(),
  checkoutUrl: z.url(),
  status: z.enum(PAYMENT_STATUSES),
});

/** GET /api/orders/{externalId} answer: what Bitrix re-checks before it marks an order paid. */
export const orderViewSchema = z.object({
  orderId: z.string(),
  externalId: z.string(),
  amount: z.number().int(),
  status: z.enum(PAYMENT_STATUSES),
  /** Which Kaspi took the order: "sandbox" money is not real, whatever the status says. */
  mode: z.enum(["live", "sandbox"]),
  paidAt: z.iso.datetime().optional(),
  kaspiPaymentId: z.string().optional(),
  /** The fiscal receipt of the payment (its OFD consumer link), once it is issued. */
  receiptUrl: z.url().optional(),
  /**
   * Whole tenge refunded at Kaspi of the payment that settled the order (0 when none): Bitrix
   * compares it with a refund notification's refundedTotal, so a late, older notification (an
   * outbox retry after a newer one was delivered) changes nothing.
   */
  refundedAmount: z.number().int().min(0),
});
