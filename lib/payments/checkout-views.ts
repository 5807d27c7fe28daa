import { z } from "zod/mini";
import { CHECKOUT_TOKEN } from "./checkout-token";
import { PAYMENT_STATUSES } from "./status";

// Shapes of the shopper-facing checkout API, shared by the route handlers and the checkout page.
// Written with zod/mini (same parser, tree-shakable): these schemas run in the shopper's browser,
// where classic zod alone was ~30 kB of the page's compressed JavaScript.

export const statusViewSchema = z.object({
  status: z.enum(PAYMENT_STATUSES),
  updatedAt: z.string(),
  /** Kaspi QR: the shopper scanned and must now confirm in the Kaspi app. */
  stage: z.optional(z.enum(["awaiting_scan", "awaiting_confirmation"])),
  /** Kaspi Red / loan offer the shopper chose. */
  loan: z.optional(z.object({ offerName: z.string(), term: z.optional(z.number()) })),
  /** The fiscal receipt's consumer link (the OFD's page), once the receipt of a paid order is issued. */
  receiptUrl: z.optional(z.string()),
});
export type StatusView = z.infer<typeof statusViewSchema>;

export const paymentViewSchema = z.object({
  status: z.enum(PAYMENT_STATUSES),
  attempt: z.int().check(z.nonnegative()),
  paymentLink: z.optional(z.string()),
  qr: z.optional(z.object({ format: z.enum(["text", "png-base64"]), value: z.string() })),
  expiresAt: z.optional(z.string()),
  /** Which presentation the attempt has (Kaspi QR): "qr" to scan, "link" for this phone, "remote" (r3 invoice by phone). */
  presentation: z.optional(z.enum(["qr", "link", "remote"])),
  /**
   * The Kaspi button's browser form (check/pay, when Kaspi did not take the JSON request): the page
   * POSTs these fields to `action` (KASPI_ONLINE_URL) in a new window instead of following a link.
   */
  kaspiForm: z.optional(z.object({ action: z.string(), fields: z.record(z.string(), z.string()) })),
});
export type PaymentView = z.infer<typeof paymentViewSchema>;

/** The checkout token in /pay/{token} and /api/checkout/{token}/…: unguessable, URL-safe. */
export const checkoutTokenSchema = z.string().check(z.regex(CHECKOUT_TOKEN));
