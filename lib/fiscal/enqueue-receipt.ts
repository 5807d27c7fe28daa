import { randomUUID } from "node:crypto";
import type { Tx } from "../db";
import { formatTenge } from "../money";
import { recordEvent } from "../payments/timeline";
import { parseDocument, returnDocument, saleDocument, type OrderFacts } from "./receipt-document";
import type { FiscalSettings } from "./settings";

// A receipt to issue is written in the transaction of the state change that owes it — the
// transactional outbox, as Bitrix notifications are (lib/outbox/enqueue.ts): the row exists if and
// only if the payment became PAID (sale) or the refund SUCCEEDED (return). Its key makes a second
// one impossible, and its ExternalCheckNumber is fixed here, before anything is sent (AR: persist
// the number first). lib/fiscal/issue-receipts-use-case.ts sends it from there.

export const saleKey = (paymentId: string) => `sale:${paymentId}`;
export const returnKey = (refundId: string) => `return:${refundId}`;

export const RECEIPT_EVENTS = {
  queued: "receipt.queued",
  issued: "receipt.issued",
  retry: "receipt.retry",
  failed: "receipt.failed",
  held: "receipt.held",
  shiftClosed: "receipt.shift_closed",
  retried: "receipt.retried",
} as const;

type PaymentFacts = { id: string; storeId: string; orderId: string; amount: number; order: OrderFacts & { mode: string } };

/**
 * A sandbox payment (the Kaspi simulator's money) never gets a real fiscal receipt: only the
 * Webkassa simulator issues receipts for it.
 */
function owesReceipt(mode: string, fiscal: FiscalSettings): boolean {
  return mode === "live" || fiscal.sandbox;
}

/** The sale receipt of a payment that just became PAID. No-op with FISCAL_PROVIDER=none. */
export async function enqueueSaleReceipt(
  tx: Tx,
  input: { payment: PaymentFacts; now: Date },
  fiscal: FiscalSettings | null,
): Promise<void> {
  if (!fiscal) return;
  const { payment, now } = input;
  if (!owesReceipt(payment.order.mode, fiscal)) return;
  const document = saleDocument(payment.order, payment.amount, fiscal);
  await tx.fiscalReceipt.create({
    data: {
      id: `rct_${randomUUID().replaceAll("-", "")}`,
      storeId: payment.storeId,
      key: saleKey(payment.id),
      kind: "sale",
      orderId: payment.orderId,
      paymentId: payment.id,
      provider: fiscal.provider,
      cashbox: fiscal.cashboxId,
      // A UUID: 36 characters, within the 50 Webkassa takes (AM, AN).
      externalCheckNumber: randomUUID(),
      document: JSON.stringify(document),
      total: payment.amount,
      status: "PENDING",
      nextAttemptAt: now,
    },
  });
  await recordEvent(tx, {
    orderId: payment.orderId,
    paymentId: payment.id,
    type: RECEIPT_EVENTS.queued,
    source: "system",
    message: `sale receipt of ${formatTenge(payment.amount)} queued (${document.lines.length} line${document.lines.length === 1 ? "" : "s"})`,
  });
}

/**
 * The return receipt of a refund that just SUCCEEDED. Its lines and basis come from the payment's
 * sale receipt; without one (the payment was made before receipts were turned on) the return
 * cannot be issued (a return needs its sale, docs/fiscal.md §4): it is recorded as failed, for a
 * person to issue by hand.
 */
export async function enqueueReturnReceipt(
  tx: Tx,
  input: {
    refund: { id: string; amount: number };
    payment: { id: string; storeId: string; orderId: string; order: { mode: string } };
    now: Date;
  },
  fiscal: FiscalSettings | null,
): Promise<void> {
  if (!fiscal) return;
  const { refund, payment, now } = input;
  if (!owesReceipt(payment.order.mode, fiscal)) return;
  const sale = await tx.fiscalReceipt.findUnique({ where: { key: saleKey(payment.id) } });
  const earlierReturns = await tx.fiscalReceipt.count({ where: { paymentId: payment.id, kind: "return" } });
  const base = {
    id: `rct_${randomUUID().replaceAll("-", "")}`,
    storeId: payment.storeId,
    key: returnKey(refund.id),
    kind: "return",
    orderId: payment.orderId,
    paymentId: payment.id,
    refundId: refund.id,
    provider: fiscal.provider,
    cashbox: sale?.cashbox ?? fiscal.cashboxId,
    externalCheckNumber: randomUUID(),
    total: refund.amount,
    nextAttemptAt: now,
  };
  if (!sale) {
    const error = "no sale receipt of this payment was issued through the app: issue the return receipt by hand";
    await tx.fiscalReceipt.create({
      data: { ...base, document: JSON.stringify(null), status: "FAILED", lastError: error },
    });
    await recordEvent(tx, {
      orderId: payment.orderId,
      paymentId: payment.id,
      type: RECEIPT_EVENTS.failed,
      source: "system",
      message: `return receipt of ${formatTenge(refund.amount)}: ${error}`,
      data: { refundId: refund.id },
    });
    return;
  }
  const document = returnDocument(parseDocument(sale.document), refund.amount, earlierReturns === 0);
  await tx.fiscalReceipt.create({ data: { ...base, document: JSON.stringify(document), status: "PENDING" } });
  await recordEvent(tx, {
    orderId: payment.orderId,
    paymentId: payment.id,
    type: RECEIPT_EVENTS.queued,
    source: "system",
    message: `return receipt of ${formatTenge(refund.amount)} queued`,
    data: { refundId: refund.id },
  });
}
