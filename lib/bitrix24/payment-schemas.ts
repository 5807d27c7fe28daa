import { z } from "zod";

// The parts of Bitrix24's REST answers the app reads (sale.payment.get and friends). Ids and sums
// arrive as strings or numbers depending on the portal's version; both are accepted.

const idLike = z.union([z.string(), z.number()]).transform(String);

export const salePaymentSchema = z.object({
  payment: z
    .object({
      id: idLike,
      orderId: idLike,
      sum: z.union([z.string(), z.number()]).transform(Number),
      currency: z.string(),
      paid: z.enum(["Y", "N"]),
      paySystemId: idLike,
      accountNumber: idLike.optional(),
    })
    .loose(),
});
export type SalePayment = z.infer<typeof salePaymentSchema>["payment"];
