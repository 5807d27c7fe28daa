import { z } from "zod";

/** A fiscal receipt as the merchant API answers it (POST /api/merchant/receipts/{id}/retry). */
export const receiptViewSchema = z.object({
  id: z.string(),
  kind: z.enum(["sale", "return"]),
  /** PENDING (queued), ISSUED, FAILED (refused for good), HELD (the cash register is stopped). */
  status: z.enum(["PENDING", "ISSUED", "FAILED", "HELD"]),
  /** The fiscal sign, once issued. */
  checkNumber: z.string().nullable(),
  /** The OFD's consumer link, once issued. */
  ticketUrl: z.string().nullable(),
  lastError: z.string().nullable(),
});
export type ReceiptView = z.infer<typeof receiptViewSchema>;
