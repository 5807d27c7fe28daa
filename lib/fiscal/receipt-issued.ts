import type { Db, Tx } from "../db";
import { orderChanged } from "../live/change-feed";
import { recordEvent } from "../payments/timeline";
import { RECEIPT_EVENTS } from "./enqueue-receipt";
import type { IssuedReceipt } from "./port";

// A receipt the service registered, recorded in one transaction with what shows it: the receipt's
// fields (fiscal sign, shift, number, link), the order's receiptUrl for the shopper (sale of the
// payment that settled the order), and the receiptUrl of the Bitrix notification that waits for it
// (payment.paid / payment.refunded:<refund>), which is then due at once.

export type ReceiptRow = {
  id: string;
  kind: string;
  orderId: string;
  paymentId: string;
  refundId: string | null;
};

const FINISHED_OR_NOT = ["PENDING", "HELD", "FAILED"];

async function addLinkToNotification(tx: Tx, where: { paymentId: string; event: string }, url: string, now: Date) {
  const row = await tx.outbox.findFirst({ where: { ...where, deliveredAt: null } });
  if (!row) return;
  let payload: Record<string, unknown>;
  try {
    payload = JSON.parse(row.payload) as Record<string, unknown>;
  } catch {
    return;
  }
  await tx.outbox.updateMany({
    where: { id: row.id, deliveredAt: null },
    data: {
      payload: JSON.stringify({ ...payload, receiptUrl: url }),
      // Waiting for this link only: due now. A row already tried keeps its backoff.
      ...(row.attempts === 0 && row.nextAttemptAt > now ? { nextAttemptAt: now } : {}),
    },
  });
}

/** Returns false when the receipt was already recorded (a concurrent or repeated recording). */
export async function recordIssued(
  db: Db,
  row: ReceiptRow,
  receipt: IssuedReceipt,
  how: string,
  now = new Date(),
): Promise<boolean> {
  const done = await db.$transaction(async (tx) => {
    const updated = await tx.fiscalReceipt.updateMany({
      where: { id: row.id, status: { in: FINISHED_OR_NOT } },
      data: {
        status: "ISSUED",
        checkNumber: receipt.checkNumber,
        fiscalDateTime: receipt.dateTime,
        shiftNumber: receipt.shiftNumber,
        orderNumber: receipt.orderNumber,
        registrationNumber: receipt.registrationNumber,
        offline: receipt.offline,
        ticketUrl: receipt.ticketUrl,
        ticketPrintUrl: receipt.ticketPrintUrl,
        issuedAt: now,
        lastError: null,
        errorCode: null,
      },
    });
    if (updated.count !== 1) return false;
    await recordEvent(tx, {
      orderId: row.orderId,
      paymentId: row.paymentId,
      type: RECEIPT_EVENTS.issued,
      source: "system",
      message: `${row.kind} receipt ${receipt.checkNumber} (shift ${receipt.shiftNumber ?? "?"}, № ${receipt.orderNumber ?? "?"})${how ? ` ${how}` : ""}`,
      data: { ticketUrl: receipt.ticketUrl, ...(row.refundId ? { refundId: row.refundId } : {}) },
    });
    const url = receipt.ticketUrl;
    if (!url) return true;
    if (row.kind === "sale") {
      // The shopper's link is the receipt of the payment Bitrix was told settled the order.
      const settled = await tx.outbox.findFirst({
        where: { paymentId: row.paymentId, event: "payment.paid" },
        select: { id: true },
      });
      if (settled) {
        await tx.order.update({ where: { id: row.orderId }, data: { receiptUrl: url } });
        await addLinkToNotification(tx, { paymentId: row.paymentId, event: "payment.paid" }, url, now);
      }
    } else if (row.refundId) {
      await addLinkToNotification(
        tx,
        { paymentId: row.paymentId, event: `payment.refunded:${row.refundId}` },
        url,
        now,
      );
    }
    return true;
  });
  if (done) orderChanged(row.orderId);
  return done;
}
