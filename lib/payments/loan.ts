import { z } from "zod";

/** Kaspi Red / loan details as kept on the order (Order.kaspiLoan, JSON). */
export const loanSchema = z.object({
  offerName: z.string().min(1).max(200),
  term: z.number().int().positive().optional(),
});
