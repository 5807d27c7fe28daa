import type { Db } from "../db";
import { loanSchema } from "./loan";
import type { StatusView } from "./checkout-views";
import { isPaidLike, type PaymentStatus } from "./status";

// The hottest read in the app (every open checkout polls it): one indexed lookup by token,
// no writes, no Kaspi calls. Transport-agnostic so SSE or a leaner HTTP path can reuse it.
export async function readCheckoutStatus(db: Db, token: string): Promise<StatusView | null> {
  const order = await db.order.findUnique({
    where: { checkoutToken: token },
    select: { status: true, updatedAt: true, kaspiStage: true, kaspiLoan: true, receiptUrl: true },
  });
  return order ? statusViewOf(order) : null;
}

export type StatusRow = {
  status: string;
  updatedAt: Date;
  kaspiStage: string | null;
  kaspiLoan: string | null;
  receiptUrl: string | null;
};

/** The shopper's view of an order row (shared with the lock-free read path in lib/live/). */
export function statusViewOf(order: StatusRow): StatusView {
  const stage =
    order.kaspiStage === "awaiting_confirmation" || order.kaspiStage === "awaiting_scan" ? order.kaspiStage : undefined;
  const loan = order.kaspiLoan ? loanSchema.safeParse(parseJson(order.kaspiLoan)) : undefined;
  return {
    status: order.status as PaymentStatus,
    updatedAt: order.updatedAt.toISOString(),
    ...(stage && order.status === "PENDING" ? { stage } : {}),
    ...(loan?.success ? { loan: loan.data } : {}),
    // The receipt of a payment the shopper made (paid, or refunded since: the sale receipt stays).
    ...(order.receiptUrl && isPaidLike(order.status as PaymentStatus) ? { receiptUrl: order.receiptUrl } : {}),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
