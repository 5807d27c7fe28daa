import { z } from "zod";

// The body of POST /api/checkout/{token}/payment (server side only; kept apart from
// checkout-views.ts so the browser bundle does not carry classic zod).
export const startPaymentBodySchema = z
  .object({
    /** Ask for a new attempt after this (failed or expired) one; without it, the current one is reused. */
    retryOf: z.number().int().positive().optional(),
    /** Where the shopper is: "desktop" gets a QR to scan, "mobile" a link (protocols that differ). */
    device: z.enum(["desktop", "mobile"]).optional(),
  })
  .strict();
