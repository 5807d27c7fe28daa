import type { Db } from "../db";
import { isUniqueViolation } from "../db";
import { newId } from "../ids";
import {
  formatCheckpaySum,
  GATEWAY_RESULTS as R,
  parseCheckpaySum,
  type CheckpayQuery,
  type CheckpayReply,
  type CheckpayResult,
} from "../kaspi/checkpay-schemas";
import { placeholderPaymentId } from "../kaspi/checkpay-gateway";
import { applyKaspiStatus } from "./apply-status";
import { isPaidLike, type PaymentStatus } from "./status";
import { recordEvent } from "./timeline";

// GET /api/kaspi/pay-gateway (Kaspi → app, from an allowed address). `check`: is this account
// payable for this sum? `pay`: Kaspi took the money: record it once per txn_id (a repeated pay is
// answered with the same prv_txn) and mark the order paid through the guarded transition.

type OrderRow = Awaited<ReturnType<Db["order"]["findFirst"]>> & {};

/** `account` is the order's account number from Bitrix; orders without one are paid by externalId. */
async function findOrder(db: Db, account: string): Promise<OrderRow | null> {
  return (
    (await db.order.findFirst({ where: { accountNumber: account }, orderBy: { createdAt: "desc" } })) ??
    (await db.order.findUnique({ where: { externalId: account } }))
  );
}

function reply(
  q: CheckpayQuery,
  result: CheckpayResult,
  comment: string,
  extra: { sum?: number; prvTxn?: string } = {},
): CheckpayReply {
  const sum = extra.sum ?? parseCheckpaySum(q.sum);
  return {
    txn_id: q.txn_id,
    ...(extra.prvTxn ? { prv_txn: extra.prvTxn } : {}),
    sum: sum === null ? q.sum : formatCheckpaySum(sum),
    result,
    comment,
  };
}

/** The checks `check` and `pay` share; null when the order can be paid with this sum. */
function refusal(q: CheckpayQuery, order: OrderRow | null, amount: number | null): CheckpayReply | null {
  if (!order) return reply(q, R.NOT_FOUND, "account not found");
  const status = order.status as PaymentStatus;
  if (status === "CANCELLED") return reply(q, R.CANCELLED, "order cancelled");
  if (isPaidLike(status)) return reply(q, R.ALREADY_PAID, "order already paid");
  if (amount === null) return reply(q, R.OTHER_ERROR, "sum must be whole tenge");
  if (amount !== order.amount) return reply(q, R.OTHER_ERROR, `sum must be ${formatCheckpaySum(order.amount)}`);
  return null;
}

export async function handleCheckpayCommand(db: Db, q: CheckpayQuery): Promise<CheckpayReply> {
  const amount = parseCheckpaySum(q.sum);
  if (q.command === "pay") {
    const seen = await db.kaspiCheckpayTxn.findUnique({ where: { txnId: q.txn_id } });
    if (seen) return repeatedPay(db, q, seen);
  }
  const order = await findOrder(db, q.account);
  const refused = refusal(q, order, amount);
  if (refused || !order || amount === null) return refused ?? reply(q, R.OTHER_ERROR, "not payable");
  if (q.command === "check") return reply(q, R.OK, "OK", { sum: order.amount });
  return pay(db, q, order);
}

async function pay(db: Db, q: CheckpayQuery, order: OrderRow): Promise<CheckpayReply> {
  const payment = await attemptFor(db, order);
  if (!payment) return reply(q, R.IN_PROGRESS, "payment in progress, retry");
  let seq: number;
  try {
    const txn = await db.kaspiCheckpayTxn.create({
      data: {
        txnId: q.txn_id,
        orderId: order.id,
        paymentId: payment.id,
        account: q.account,
        amount: order.amount,
        txnDate: q.txn_date ?? null,
      },
    });
    seq = txn.seq;
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    const seen = await db.kaspiCheckpayTxn.findUnique({ where: { txnId: q.txn_id } });
    if (seen) return repeatedPay(db, q, seen);
    // Another txn_id won this attempt a moment ago.
    const now = await db.order.findUniqueOrThrow({ where: { id: order.id } });
    return isPaidLike(now.status as PaymentStatus)
      ? reply(q, R.ALREADY_PAID, "order already paid")
      : reply(q, R.IN_PROGRESS, "payment in progress, retry");
  }
  await settle(db, { paymentId: payment.id, orderId: order.id, txnId: q.txn_id, seq, txnDate: q.txn_date });
  return reply(q, R.OK, "OK", { sum: order.amount, prvTxn: String(seq) });
}

/** The same txn_id again: answer as before (and finish applying it, should a crash have interrupted). */
async function repeatedPay(
  db: Db,
  q: CheckpayQuery,
  seen: { seq: number; account: string; amount: number; paymentId: string; orderId: string; txnDate: string | null },
): Promise<CheckpayReply> {
  if (seen.account !== q.account || parseCheckpaySum(q.sum) !== seen.amount) {
    return reply(q, R.OTHER_ERROR, "txn_id already used for another payment");
  }
  await settle(db, {
    paymentId: seen.paymentId,
    orderId: seen.orderId,
    txnId: q.txn_id,
    seq: seen.seq,
    txnDate: seen.txnDate ?? undefined,
  });
  return reply(q, R.OK, "OK", { sum: seen.amount, prvTxn: String(seen.seq) });
}

async function settle(
  db: Db,
  p: { paymentId: string; orderId: string; txnId: string; seq: number; txnDate: string | undefined | null },
): Promise<void> {
  // Kaspi's txn_id becomes the attempt's Kaspi payment id (the sandbox already used it).
  const payment = await db.payment.findUniqueOrThrow({ where: { id: p.paymentId } });
  if (payment.kaspiPaymentId !== p.txnId) {
    await db.payment.updateMany({
      where: { id: p.paymentId, kaspiPaymentId: payment.kaspiPaymentId },
      data: { kaspiPaymentId: p.txnId },
    });
  }
  const result = await applyKaspiStatus(db, {
    paymentId: p.paymentId,
    to: "PAID",
    source: "kaspi.callback",
    data: { command: "pay", txn_id: p.txnId, prv_txn: String(p.seq), txn_date: p.txnDate ?? undefined },
  });
  if (result.changed) {
    await recordEvent(db, {
      orderId: p.orderId,
      paymentId: p.paymentId,
      type: "gateway.pay",
      source: "kaspi.callback",
      message: `Kaspi pay txn_id ${p.txnId} → prv_txn ${p.seq}`,
    });
  }
}

/** The attempt this pay settles: the latest one for the current amount, else a new one. */
async function attemptFor(db: Db, order: OrderRow) {
  const latest = await db.payment.findFirst({ where: { orderId: order.id }, orderBy: { attempt: "desc" } });
  if (latest && latest.amount === order.amount && latest.status !== "CREATED") return latest;
  if (latest?.status === "CREATED") return null;
  const attempt = (latest?.attempt ?? 0) + 1;
  const kaspiExternalId = attempt === 1 ? order.externalId : `${order.externalId}#${attempt}`;
  try {
    const created = await db.payment.create({
      data: {
        id: newId("pay"),
        orderId: order.id,
        attempt,
        protocol: "checkpay",
        kaspiExternalId,
        kaspiPaymentId: placeholderPaymentId(kaspiExternalId),
        amount: order.amount,
        status: "PENDING",
      },
    });
    await recordEvent(db, {
      orderId: order.id,
      paymentId: created.id,
      type: "payment.created",
      source: "kaspi.callback",
      message: `attempt ${attempt} (Kaspi pay without an open checkout)`,
    });
    return created;
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    return null;
  }
}
