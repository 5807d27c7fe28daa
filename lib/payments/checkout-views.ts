import { z } from "zod";
import { PAYMENT_STATUSES } from "./status";

// Shapes of the shopper-facing checkout API, shared by the route handlers and the polling page.

export const statusViewSchema = z.object({
  status: z.enum(PAYMENT_STATUSES),
  updatedAt: z.string(),
  /** Kaspi QR: the shopper scanned and must now confirm in the Kaspi app. */
  stage: z.enum(["awaiting_scan", "awaiting_confirmation"]).optional(),
  /** Kaspi Red / loan offer the shopper chose. */
  loan: z.object({ offerName: z.string(), term: z.number().optional() }).optional(),
});
export type StatusView = z.infer<typeof statusViewSchema>;

export const paymentViewSchema = z.object({
  status: z.enum(PAYMENT_STATUSES),
  attempt: z.number().int().nonnegative(),
  paymentLink: z.string().optional(),
  qr: z.object({ format: z.enum(["text", "png-base64"]), value: z.string() }).optional(),
  expiresAt: z.string().optional(),
  /** Which presentation the attempt has (Kaspi QR): "qr" to scan, "link" for this phone, "remote" (r3 invoice by phone). */
  presentation: z.enum(["qr", "link", "remote"]).optional(),
});
export type PaymentView = z.infer<typeof paymentViewSchema>;

export const startPaymentBodySchema = z
  .object({
    /** Ask for a new attempt after this (failed or expired) one; without it, the current one is reused. */
    retryOf: z.number().int().positive().optional(),
    /** Where the shopper is: "desktop" gets a QR to scan, "mobile" a link (protocols that differ). */
    device: z.enum(["desktop", "mobile"]).optional(),
  })
  .strict();

/** The checkout token in /pay/{token} and /api/checkout/{token}/…: unguessable, URL-safe. */
export const checkoutTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/);
