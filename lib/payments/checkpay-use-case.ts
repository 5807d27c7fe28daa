import type { Db } from "../db";
import { isUniqueViolation } from "../db";
import { formatTenge } from "../money";
import {
  formatCheckpaySum,
  GATEWAY_RESULTS as R,
  parseCheckpaySum,
  readableTxnDate,
  type CheckpayField,
  type CheckpayQuery,
  type CheckpayReply,
  type CheckpayResult,
} from "../kaspi/checkpay-schemas";
import { placeholderPaymentId } from "../kaspi/checkpay-gateway";
import { applyKaspiStatus } from "./apply-status";
import { newAttemptRow } from "./attempt-row";
import { isPaidLike, type PaymentStatus } from "./status";
import { recordEvent } from "./timeline";
import { storeOf } from "../stores/store-id";

// GET /api/kaspi/checkpay (Kaspi → app, from an allowed address; docs/kaspi.md, "check/pay").
// `check`: is this account payable, and for how much? Its `sum` is a terminal default, not the
// amount (QPay-backend request/response DTOs; ai-agregator-zayavok docs/kaspi-integration.md): it is
// ignored; the reply's `sum` is the amount due, with `fields` the Kaspi app shows the payer.
// `pay`: Kaspi took the money; its sum must be the amount due exactly. Recorded once per txn_id (a
// repeated pay, also many at once, is answered with the first answer's prv_txn and pays nothing
// again: the unique txn_id decides), its txn_date kept for reconciliation, the order marked paid
// through the guarded transition.

/** storeId: the store whose Kaspi Service is calling (default: the environment's). */
export type CheckpayDeps = { db: Db; merchantName: string; storeId?: string };

/** Kaspi wants an answer within 15 s (QPay-backend kaspiapi.controller.ts; docs/kaspi.md). */
export const CHECKPAY_REPLY_MS = 14_000;

type OrderRow = Awaited<ReturnType<Db["order"]["findFirst"]>> & {};

/** `account` is the order's account number from Bitrix; orders without one are paid by externalId. */
async function findOrder(db: Db, storeId: string, account: string): Promise<OrderRow | null> {
  return (
    (await db.order.findFirst({ where: { storeId, accountNumber: account }, orderBy: { createdAt: "desc" } })) ??
    (await db.order.findUnique({ where: { storeId_externalId: { storeId, externalId: account } } }))
  );
}

function reply(
  q: CheckpayQuery,
  result: CheckpayResult,
  comment: string,
  extra: { sum?: number; prvTxn?: string; fields?: CheckpayField[] } = {},
): CheckpayReply {
  const sum = extra.sum ?? (q.sum === undefined ? null : parseCheckpaySum(q.sum));
  return {
    txn_id: q.txn_id,
    ...(extra.prvTxn ? { prv_txn: extra.prvTxn } : {}),
    sum: sum === null ? (q.sum ?? "0.00") : formatCheckpaySum(sum),
    result,
    comment,
    ...(extra.fields ? { fields: extra.fields } : {}),
  };
}

/**
 * What the Kaspi app shows the payer on a payable check, so they see whom and what they pay before
 * confirming (ai-agregator-zayavok shows its "fields" for the same reason): store, order, amount.
 */
function checkFields(merchantName: string, order: OrderRow): CheckpayField[] {
  return [
    { name: "Магазин", value: merchantName },
    { name: "Заказ", value: order.accountNumber ?? order.externalId },
    { name: "Сумма", value: formatTenge(order.amount) },
  ];
}

/** The checks `check` and `pay` share; null when the order can be paid (with this sum, for pay). */
function refusal(q: CheckpayQuery, order: OrderRow | null, amount: number | null): CheckpayReply | null {
  if (!order) return reply(q, R.NOT_FOUND, "account not found");
  const status = order.status as PaymentStatus;
  if (status === "CANCELLED") return reply(q, R.CANCELLED, "order cancelled", { sum: order.amount });
  if (isPaidLike(status)) return reply(q, R.ALREADY_PAID, "order already paid", { sum: order.amount });
  if (q.command === "check") return null;
  if (q.sum === undefined) return reply(q, R.OTHER_ERROR, "sum is required", { sum: order.amount });
  if (amount === null) return reply(q, R.OTHER_ERROR, "sum must be whole tenge");
  if (amount !== order.amount) return reply(q, R.OTHER_ERROR, `sum must be ${formatCheckpaySum(order.amount)}`);
  return null;
}

export async function handleCheckpayCommand(deps: CheckpayDeps, q: CheckpayQuery): Promise<CheckpayReply> {
  const { db } = deps;
  const storeId = storeOf(deps);
  const amount = q.sum === undefined ? null : parseCheckpaySum(q.sum);
  if (q.command === "pay") {
    const seen = await db.kaspiCheckpayTxn.findUnique({ where: { storeId_txnId: { storeId, txnId: q.txn_id } } });
    if (seen) return repeatedPay(db, q, seen);
  }
  const order = await findOrder(db, storeId, q.account);
  const refused = refusal(q, order, amount);
  if (refused || !order) return refused ?? reply(q, R.OTHER_ERROR, "not payable");
  if (q.command === "check") {
    return reply(q, R.OK, "OK", { sum: order.amount, fields: checkFields(deps.merchantName, order) });
  }
  return pay(db, q, order);
}

/**
 * The reply within Kaspi's 15 s: past `ms` an answer Kaspi retries on (4 for pay: the txn may still
 * land and a repeated pay is answered from the stored txn; 5 for check).
 */
export async function checkpayWithinDeadline(
  q: CheckpayQuery,
  work: Promise<CheckpayReply>,
  ms = CHECKPAY_REPLY_MS,
): Promise<CheckpayReply> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<CheckpayReply>((resolve) => {
    timer = setTimeout(
      () =>
        resolve(
          q.command === "pay"
            ? reply(q, R.IN_PROGRESS, "payment in progress, retry")
            : reply(q, R.OTHER_ERROR, "temporarily unavailable, retry"),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function pay(db: Db, q: CheckpayQuery, order: OrderRow): Promise<CheckpayReply> {
  const payment = await attemptFor(db, order);
  if (!payment) return reply(q, R.IN_PROGRESS, "payment in progress, retry");
  const storeId = order.storeId;
  let seq: number;
  try {
    const txn = await db.kaspiCheckpayTxn.create({
      data: {
        storeId,
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
    const seen = await db.kaspiCheckpayTxn.findUnique({ where: { storeId_txnId: { storeId, txnId: q.txn_id } } });
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
  if (seen.account !== q.account || q.sum === undefined || parseCheckpaySum(q.sum) !== seen.amount) {
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
  // Kaspi's txn_id becomes the attempt's Kaspi payment id (the sandbox already used it), and its
  // txn_date the attempt's reconciliation date (merchant area, CSV).
  const payment = await db.payment.findUniqueOrThrow({ where: { id: p.paymentId } });
  const txnDate = p.txnDate ?? null;
  if (payment.kaspiPaymentId !== p.txnId || (txnDate !== null && payment.kaspiTxnDate !== txnDate)) {
    await db.payment.updateMany({
      where: { id: p.paymentId, kaspiPaymentId: payment.kaspiPaymentId },
      data: { kaspiPaymentId: p.txnId, ...(txnDate === null ? {} : { kaspiTxnDate: txnDate }) },
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
      message:
        `Kaspi pay txn_id ${p.txnId}` +
        (p.txnDate ? `, txn_date ${readableTxnDate(p.txnDate)}` : ", no txn_date") +
        ` → prv_txn ${p.seq}`,
      data: { txn_id: p.txnId, prv_txn: String(p.seq), txn_date: p.txnDate ?? null },
    });
  }
}

/** The attempt this pay settles: the latest one for the current amount, else a new one. */
async function attemptFor(db: Db, order: OrderRow) {
  const latest = await db.payment.findFirst({ where: { orderId: order.id }, orderBy: { attempt: "desc" } });
  if (latest && latest.amount === order.amount && latest.status !== "CREATED") return latest;
  if (latest?.status === "CREATED") return null;
  const row = newAttemptRow(order, latest);
  try {
    const created = await db.payment.create({
      data: {
        ...row,
        protocol: "checkpay",
        kaspiPaymentId: placeholderPaymentId(row.kaspiExternalId),
        status: "PENDING",
      },
    });
    await recordEvent(db, {
      orderId: order.id,
      paymentId: created.id,
      type: "payment.created",
      source: "kaspi.callback",
      message: `attempt ${row.attempt} (Kaspi pay without an open checkout)`,
    });
    return created;
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    // A concurrent pay made this attempt a moment ago: settle that one (its txn decides who pays).
    const now = await db.payment.findFirst({ where: { orderId: order.id }, orderBy: { attempt: "desc" } });
    return now && now.amount === order.amount && now.status !== "CREATED" ? now : null;
  }
}
