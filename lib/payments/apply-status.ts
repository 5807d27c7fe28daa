import type { Db } from "../db";
import { orderChanged } from "../live/change-feed";
import { log } from "../log";
import { enqueueSaleReceipt } from "../fiscal/enqueue-receipt";
import { fiscalSettings, notifyNotBefore } from "../fiscal/policy";
import { enqueueNotification, notifiedOrder } from "../outbox/enqueue";
import type { KaspiStatus } from "../kaspi/gateway";
import { sourcesOf } from "./state-machine";
import { isPaidLike, type PaymentStatus } from "./status";
import { recordEvent, type EventSource } from "./timeline";

export type ApplyResult =
  { changed: true; from: PaymentStatus; to: PaymentStatus } | { changed: false; current: PaymentStatus };

const PAID_LIKE: PaymentStatus[] = ["PAID", "REFUNDED", "PARTIALLY_REFUNDED"];

export type PaidNotification = {
  event: "payment.paid";
  /** "sandbox": the simulator's money, which Bitrix refuses unless told to accept it. */
  mode: "live" | "sandbox";
  externalId: string;
  orderId: string;
  amount: number;
  kaspiPaymentId: string;
  paidAt: string;
  /** The sale receipt's consumer link, added when the receipt is issued before the notification goes. */
  receiptUrl?: string;
};

// The one guarded transition used by callbacks, reconciliation and re-checks. One transaction:
// compare-and-set on the payment's status, the order's status, a timeline event and, for PAID,
// one outbox row and one fiscal receipt row (when receipts are on). Concurrent and repeated calls
// produce exactly one transition, so exactly one of each.
export async function applyKaspiStatus(
  db: Db,
  input: { paymentId: string; to: KaspiStatus; source: EventSource; data?: unknown; now?: Date },
): Promise<ApplyResult> {
  const now = input.now ?? new Date();
  const { to } = input;
  let orderId = "";
  const result = await db.$transaction(async (tx): Promise<ApplyResult> => {
    const payment = await tx.payment.findUniqueOrThrow({ where: { id: input.paymentId }, include: { order: true } });
    orderId = payment.orderId;
    const from = payment.status as PaymentStatus;
    if (to === "PENDING" || from === to) return { changed: false, current: from };
    const guard = sourcesOf(to);
    const res = await tx.payment.updateMany({
      where: { id: payment.id, status: { in: guard } },
      data: { status: to, ...(to === "PAID" ? { paidAt: now } : {}), nextCheckAt: null },
    });
    if (res.count !== 1) return { changed: false, current: from };

    await recordEvent(tx, {
      orderId: payment.orderId,
      paymentId: payment.id,
      type: "status.changed",
      source: input.source,
      message: `${from} → ${to}`,
      data: input.data,
    });

    if (to === "PAID") {
      // Money was taken: it owes a fiscal receipt, whatever becomes of the order (lib/fiscal/).
      await enqueueSaleReceipt(tx, { payment, now }, fiscalSettings());
      if (payment.amount !== payment.order.amount) {
        // A superseded attempt (the order's amount changed since) was paid: the order is not
        // settled by it, and the merchant must refund it.
        await recordEvent(tx, {
          orderId: payment.orderId,
          paymentId: payment.id,
          type: "payment.needs_refund",
          source: "system",
          message: `attempt ${payment.attempt} was paid ${payment.amount} ₸ but the order is now ${payment.order.amount} ₸; refund it`,
        });
        return { changed: true, from, to };
      }
      const orderRes = await tx.order.updateMany({
        where: { id: payment.orderId, status: { notIn: PAID_LIKE } },
        data: { status: "PAID", paidAt: now },
      });
      if (orderRes.count !== 1) {
        // Another attempt of this order was already paid: money came twice; a person must refund.
        await recordEvent(tx, {
          orderId: payment.orderId,
          paymentId: payment.id,
          type: "payment.needs_refund",
          source: "system",
          message: "a second payment completed for an order that was already paid; refund it",
        });
        return { changed: true, from, to };
      }
      const notification: PaidNotification = {
        event: "payment.paid",
        ...notifiedOrder(payment),
        amount: payment.amount,
        kaspiPaymentId: payment.kaspiPaymentId ?? "",
        paidAt: now.toISOString(),
      };
      // The notification carries the receipt's link: it waits a bounded time for it (docs/fiscal.md).
      await enqueueNotification(tx, {
        storeId: payment.storeId,
        orderId: payment.orderId,
        paymentId: payment.id,
        notification,
        now,
        notBefore: notifyNotBefore(now),
      });
      return { changed: true, from, to };
    }

    // FAILED / EXPIRED / CANCELLED: the order follows only its latest attempt, and never leaves PAID.
    const latest = await tx.payment.findFirst({
      where: { orderId: payment.orderId },
      orderBy: { attempt: "desc" },
      select: { id: true },
    });
    if (latest?.id === payment.id && !isPaidLike(payment.order.status as PaymentStatus)) {
      await tx.order.updateMany({
        where: { id: payment.orderId, status: { notIn: PAID_LIKE } },
        data: { status: to },
      });
    }
    return { changed: true, from, to };
  });
  if (result.changed) {
    // After COMMIT, so whoever the feed wakes reads the new status.
    orderChanged(orderId);
    log().info(
      { paymentId: input.paymentId, from: result.from, to: result.to, source: input.source },
      "payment status changed",
    );
  }
  return result;
}
