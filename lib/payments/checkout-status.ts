import type { Db } from "../db";
import type { StatusView } from "./checkout-views";
import type { PaymentStatus } from "./status";

// The hottest read in the app (every open checkout polls it): one indexed lookup by token,
// no writes, no Kaspi calls. Transport-agnostic so SSE or a leaner HTTP path can reuse it.
export async function readCheckoutStatus(db: Db, token: string): Promise<StatusView | null> {
  const order = await db.order.findUnique({
    where: { checkoutToken: token },
    select: { status: true, updatedAt: true },
  });
  if (!order) return null;
  return { status: order.status as PaymentStatus, updatedAt: order.updatedAt.toISOString() };
}
