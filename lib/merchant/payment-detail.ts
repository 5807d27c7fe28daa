import type { Db } from "../db";

// Everything the payment page shows: the attempt, its order, every attempt of the order, the
// order's whole timeline (events of all attempts, marked by payment), notifications to Bitrix
// with their attempts and errors, the refunds of this payment and its fiscal receipts (sale and
// returns: fiscal sign, shift, number, link, the last error). A payment of another store is
// null, as an unknown id is.

export async function paymentDetail(db: Db, storeId: string, paymentId: string) {
  const payment = await db.payment.findFirst({ where: { id: paymentId, storeId }, include: { order: true } });
  if (!payment) return null;
  const [attempts, events, outbox, refunds, receipts] = await Promise.all([
    db.payment.findMany({
      where: { orderId: payment.orderId },
      orderBy: { attempt: "asc" },
      select: { id: true, attempt: true, status: true, amount: true, createdAt: true },
    }),
    db.paymentEvent.findMany({ where: { orderId: payment.orderId }, orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
    db.outbox.findMany({ where: { orderId: payment.orderId }, orderBy: { createdAt: "asc" } }),
    db.refund.findMany({ where: { paymentId }, orderBy: { createdAt: "asc" } }),
    db.fiscalReceipt.findMany({
      where: { paymentId },
      orderBy: { createdAt: "asc" },
      select: {
        id: true,
        kind: true,
        status: true,
        total: true,
        checkNumber: true,
        shiftNumber: true,
        orderNumber: true,
        fiscalDateTime: true,
        ticketUrl: true,
        lastError: true,
        document: true,
      },
    }),
  ]);
  return { payment, order: payment.order, attempts, events, outbox, refunds, receipts };
}

export type PaymentDetail = NonNullable<Awaited<ReturnType<typeof paymentDetail>>>;
