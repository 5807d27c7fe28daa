import type { Db, Tx } from "../db";
import { isRetryableConflict, isUniqueViolation } from "../db";
import { fail, ok, type Result } from "../errors";
import { newId } from "../ids";
import type { KaspiGateway, KaspiResult, RefundResult } from "../kaspi/gateway";
import { orderChanged } from "../live/change-feed";
import { formatTenge } from "../money";
import { enqueueReturnReceipt } from "../fiscal/enqueue-receipt";
import { fiscalSettings, notifyNotBefore } from "../fiscal/policy";
import { enqueueNotification, notifiedOrder } from "../outbox/enqueue";
import { claimReturnQr, readyReturnQr } from "./return-qr-use-case";
import { canTransition } from "./state-machine";
import type { PaymentStatus } from "./status";
import { recordEvent } from "./timeline";

// Refunds, full or partial, through the Kaspi port. Three steps, each guarded:
// 1. reserve: one transaction moves the amount into Payment.refundingAmount with a compare-and-set
//    on (status, refundedAmount, refundingAmount), so concurrent refunds can never add up to more
//    than the payment; a PENDING Refund row and a timeline event are written with it;
// 2. ask Kaspi (outside any transaction: it is a network call);
// 3. settle: SUCCEEDED moves the amount to refundedAmount, sets PARTIALLY_REFUNDED / REFUNDED,
//    queues the return receipt (when receipts are on), and (for the attempt that settled the
//    order) queues `payment.refunded` for Bitrix; a refusal
//    releases the reservation; no answer keeps it PENDING until a retry says what happened.
// Kaspi QR r2 (refundSupport.flow "return-qr") needs the customer first: a refund uses the
// payment's scanned return QR (return-qr-use-case.ts) and claims it, one refund per QR.

export type RefundStatus = "PENDING" | "SUCCEEDED" | "FAILED";

export type RefundedNotification = {
  event: "payment.refunded";
  mode: "live" | "sandbox";
  externalId: string;
  orderId: string;
  refundId: string;
  /** This refund, whole tenge. */
  amount: number;
  /** All confirmed refunds of the payment so far. */
  refundedTotal: number;
  paymentAmount: number;
  status: "PARTIALLY_REFUNDED" | "REFUNDED";
  kaspiPaymentId: string;
  refundedAt: string;
  /** The return receipt's consumer link, added when it is issued before the notification goes. */
  receiptUrl?: string;
};

export type RefundView = {
  refund: { id: string; amount: number; status: RefundStatus; kaspiRefundId: string | null; lastError: string | null };
  payment: { id: string; status: string; amount: number; refundedAmount: number; refundingAmount: number };
};

/** storeId: the store whose payment is refunded; a payment or refund of another store is "no such …". */
export type RefundDeps = { db: Db; gateway: KaspiGateway; storeId: string };
export type RefundRequest = {
  paymentId: string;
  amount: number;
  idempotencyKey?: string;
  actor: { userId: string; email: string };
};

const REFUNDABLE: PaymentStatus[] = ["PAID", "PARTIALLY_REFUNDED"];
const MAX_CAS_TRIES = 8;
/** Runs of the reserving transaction when PostgreSQL gives it up for a conflict (P2034). */
const MAX_TX_TRIES = 4;

export async function refundPayment(deps: RefundDeps, input: RefundRequest): Promise<Result<RefundView>> {
  const { db, gateway } = deps;
  const { storeId } = deps;
  const support = gateway.refundSupport;
  if (!support.supported) return fail("REFUND_UNSUPPORTED", support.reason);
  if (!Number.isInteger(input.amount) || input.amount <= 0) {
    return fail("INVALID_AMOUNT", "the refund must be a positive whole number of tenge");
  }
  if (input.idempotencyKey) {
    const seen = await db.refund.findUnique({
      where: { storeId_idempotencyKey: { storeId, idempotencyKey: input.idempotencyKey } },
    });
    if (seen) return sameRequest(db, seen, input);
  }
  const returnQr = support.flow === "return-qr" ? await readyReturnQr(db, storeId, input.paymentId) : null;
  if (support.flow === "return-qr" && !returnQr) {
    return fail("REFUND_NOT_ALLOWED", "Kaspi QR r2: the customer must scan a return QR first (make one on this page)");
  }

  let reserved: Result<{ refundId: string; kaspiPaymentId: string }> | undefined;
  for (let attempt = 1; !reserved; attempt++) {
    try {
      reserved = await db.$transaction((tx) => reserve(tx, storeId, input, support.partial));
    } catch (e) {
      // Another request with the same key got there first: answer with its refund. On PostgreSQL
      // the two may also deadlock (P2034); the loser's transaction left nothing and runs again.
      const conflict = isRetryableConflict(e) && attempt < MAX_TX_TRIES;
      if (input.idempotencyKey && (isUniqueViolation(e) || conflict)) {
        const seen = await db.refund.findUnique({
          where: { storeId_idempotencyKey: { storeId, idempotencyKey: input.idempotencyKey } },
        });
        if (seen) return sameRequest(db, seen, input);
      }
      if (!conflict) throw e;
    }
  }
  if (!reserved.ok) return reserved;
  const { refundId, kaspiPaymentId } = reserved.value;
  if (returnQr && !(await claimReturnQr(db, returnQr.id, refundId))) {
    const used = { kind: "rejected" as const, message: "the return QR was used by another refund: make a new one" };
    return settleRefund(db, refundId, { ok: false, error: used });
  }
  const answer = await gateway.refund({
    kaspiPaymentId,
    amount: input.amount,
    refundId,
    ...(returnQr ? { qrReturnId: returnQr.qrReturnId } : {}),
  });
  return settleRefund(db, refundId, answer);
}

/** Sends a PENDING refund (Kaspi did not answer the first time) again, with the same refund id. */
export async function retryRefund(deps: RefundDeps, refundId: string): Promise<Result<RefundView>> {
  const refund = await deps.db.refund.findFirst({
    where: { id: refundId, storeId: deps.storeId },
    include: { payment: true },
  });
  if (!refund) return fail("NOT_FOUND", "no such refund");
  if (refund.status !== "PENDING") return ok(await viewOf(deps.db, refund.id));
  const kaspiPaymentId = refund.payment.kaspiPaymentId;
  if (!kaspiPaymentId) return fail("REFUND_NOT_ALLOWED", "the payment has no Kaspi payment id");
  await recordEvent(deps.db, {
    orderId: refund.orderId,
    paymentId: refund.paymentId,
    type: "refund.retried",
    source: "merchant",
    message: `${formatTenge(refund.amount)} sent to Kaspi again`,
    data: { refundId },
  });
  const returnQr = await deps.db.qrReturn.findFirst({ where: { refundId } });
  const answer = await deps.gateway.refund({
    kaspiPaymentId,
    amount: refund.amount,
    refundId,
    ...(returnQr ? { qrReturnId: returnQr.qrReturnId } : {}),
  });
  return settleRefund(deps.db, refund.id, answer);
}

async function sameRequest(
  db: Db,
  seen: { id: string; paymentId: string; amount: number },
  input: RefundRequest,
): Promise<Result<RefundView>> {
  if (seen.paymentId !== input.paymentId || seen.amount !== input.amount) {
    return fail("CONFLICT", "this idempotency key was used for another refund");
  }
  return ok(await viewOf(db, seen.id));
}

async function reserve(
  tx: Tx,
  storeId: string,
  input: RefundRequest,
  partialAllowed: boolean,
): Promise<Result<{ refundId: string; kaspiPaymentId: string }>> {
  for (let i = 0; i < MAX_CAS_TRIES; i++) {
    const p = await tx.payment.findFirst({ where: { id: input.paymentId, storeId } });
    if (!p) return fail("NOT_FOUND", "no such payment");
    if (!REFUNDABLE.includes(p.status as PaymentStatus)) {
      return fail("REFUND_NOT_ALLOWED", `a ${p.status} payment cannot be refunded`);
    }
    if (!p.kaspiPaymentId) return fail("REFUND_NOT_ALLOWED", "the payment has no Kaspi payment id");
    const left = p.amount - p.refundedAmount - p.refundingAmount;
    if (input.amount > left) {
      const pending = p.refundingAmount > 0 ? ` (${formatTenge(p.refundingAmount)} of refunds still pending)` : "";
      return fail("REFUND_TOO_LARGE", `at most ${formatTenge(Math.max(0, left))} can be refunded${pending}`, {
        refundable: Math.max(0, left),
      });
    }
    if (!partialAllowed && (input.amount !== p.amount || p.refundedAmount + p.refundingAmount > 0)) {
      return fail("REFUND_NOT_ALLOWED", "Kaspi refunds only the full amount of this payment");
    }
    const claimed = await tx.payment.updateMany({
      where: {
        id: p.id,
        status: p.status,
        refundedAmount: p.refundedAmount,
        refundingAmount: p.refundingAmount,
      },
      data: { refundingAmount: p.refundingAmount + input.amount },
    });
    if (claimed.count !== 1) continue; // another refund moved first: look again
    const refundId = newId("rfd");
    await tx.refund.create({
      data: {
        id: refundId,
        storeId: p.storeId,
        paymentId: p.id,
        orderId: p.orderId,
        amount: input.amount,
        status: "PENDING",
        idempotencyKey: input.idempotencyKey ?? null,
        createdById: input.actor.userId,
      },
    });
    await recordEvent(tx, {
      orderId: p.orderId,
      paymentId: p.id,
      type: "refund.requested",
      source: "merchant",
      message: `${formatTenge(input.amount)} by ${input.actor.email}`,
      data: { refundId, amount: input.amount },
    });
    return ok({ refundId, kaspiPaymentId: p.kaspiPaymentId });
  }
  return fail("CONFLICT", "the payment is changing too fast; try again");
}

export async function settleRefund(
  db: Db,
  refundId: string,
  answer: KaspiResult<RefundResult>,
  now = new Date(),
): Promise<Result<RefundView>> {
  if (!answer.ok && answer.error.kind !== "rejected") {
    // Kaspi may or may not have refunded: keep the reservation until a retry tells.
    const refund = await db.refund.update({ where: { id: refundId }, data: { lastError: answer.error.message } });
    await recordEvent(db, {
      orderId: refund.orderId,
      paymentId: refund.paymentId,
      type: "refund.uncertain",
      source: "kaspi.api",
      message: `Kaspi did not confirm the refund: ${answer.error.message}`,
      data: { refundId, kind: answer.error.kind },
    });
    return ok(await viewOf(db, refundId));
  }
  await db.$transaction(async (tx) => {
    const refund = await tx.refund.findUniqueOrThrow({ where: { id: refundId } });
    const done = await tx.refund.updateMany({
      where: { id: refundId, status: "PENDING" },
      data: answer.ok
        ? { status: "SUCCEEDED", kaspiRefundId: answer.value.kaspiRefundId ?? null, settledAt: now, lastError: null }
        : { status: "FAILED", lastError: answer.error.message, settledAt: now },
    });
    if (done.count !== 1) return; // settled already (a concurrent retry)
    const base = { orderId: refund.orderId, paymentId: refund.paymentId };
    if (!answer.ok) {
      await tx.payment.updateMany({
        where: { id: refund.paymentId, refundingAmount: { gte: refund.amount } },
        data: { refundingAmount: { decrement: refund.amount } },
      });
      await recordEvent(tx, {
        ...base,
        type: "refund.failed",
        source: "kaspi.api",
        message: `Kaspi refused the refund of ${formatTenge(refund.amount)}: ${answer.error.message}`,
        data: { refundId },
      });
      return;
    }
    await applyRefund(tx, refund, answer.value, now);
  });
  if (answer.ok) orderChanged((await db.refund.findUniqueOrThrow({ where: { id: refundId } })).orderId);
  return ok(await viewOf(db, refundId));
}

async function applyRefund(
  tx: Tx,
  refund: { id: string; orderId: string; paymentId: string; amount: number },
  result: RefundResult,
  now: Date,
): Promise<void> {
  for (let i = 0; i < MAX_CAS_TRIES; i++) {
    const p = await tx.payment.findUniqueOrThrow({ where: { id: refund.paymentId }, include: { order: true } });
    const from = p.status as PaymentStatus;
    const refundedTotal = p.refundedAmount + refund.amount;
    const to: "REFUNDED" | "PARTIALLY_REFUNDED" = refundedTotal >= p.amount ? "REFUNDED" : "PARTIALLY_REFUNDED";
    if (!canTransition(from, to)) throw new Error(`refund settled on a ${from} payment`);
    const moved = await tx.payment.updateMany({
      where: { id: p.id, status: from, refundedAmount: p.refundedAmount, refundingAmount: p.refundingAmount },
      data: {
        status: to,
        refundedAmount: refundedTotal,
        refundingAmount: Math.max(0, p.refundingAmount - refund.amount),
      },
    });
    if (moved.count !== 1) continue;
    const base = { orderId: p.orderId, paymentId: p.id };
    await recordEvent(tx, {
      ...base,
      type: "refund.succeeded",
      source: "kaspi.api",
      message: `${formatTenge(refund.amount)} refunded (${formatTenge(refundedTotal)} of ${formatTenge(p.amount)})`,
      data: { refundId: refund.id, kaspiRefundId: result.kaspiRefundId },
    });
    if (from !== to) {
      await recordEvent(tx, { ...base, type: "status.changed", source: "merchant", message: `${from} → ${to}` });
    }
    // Money went back: it owes a return receipt against the payment's sale receipt (lib/fiscal/).
    await enqueueReturnReceipt(tx, { refund, payment: p, now }, fiscalSettings());
    // Bitrix hears about refunds of the attempt that settled its order (the one it was told was
    // paid); refunding a duplicate or superseded attempt changes nothing about the order.
    const settledOrder = await tx.outbox.findFirst({ where: { paymentId: p.id, event: "payment.paid" } });
    if (!settledOrder) {
      await recordEvent(tx, {
        ...base,
        type: "notify.skipped",
        source: "system",
        message: "this attempt did not settle the order: Bitrix is not told about its refund",
      });
      return;
    }
    await tx.order.updateMany({
      where: { id: p.orderId, status: { in: ["PAID", "PARTIALLY_REFUNDED"] } },
      data: { status: to },
    });
    const notification: RefundedNotification = {
      event: "payment.refunded",
      ...notifiedOrder(p),
      refundId: refund.id,
      amount: refund.amount,
      refundedTotal,
      paymentAmount: p.amount,
      status: to,
      kaspiPaymentId: p.kaspiPaymentId ?? "",
      refundedAt: now.toISOString(),
    };
    // Unique per (payment, event): one row per refund, the payload says "payment.refunded".
    const key = `${notification.event}:${refund.id}`;
    await enqueueNotification(tx, {
      storeId: p.storeId,
      orderId: p.orderId,
      paymentId: p.id,
      notification,
      key,
      now,
      notBefore: notifyNotBefore(now),
    });
    return;
  }
  throw new Error("could not settle the refund: the payment kept changing");
}

export async function viewOf(db: Db | Tx, refundId: string): Promise<RefundView> {
  const r = await db.refund.findUniqueOrThrow({ where: { id: refundId }, include: { payment: true } });
  return {
    refund: {
      id: r.id,
      amount: r.amount,
      status: r.status as RefundStatus,
      kaspiRefundId: r.kaspiRefundId,
      lastError: r.lastError,
    },
    payment: {
      id: r.payment.id,
      status: r.payment.status,
      amount: r.payment.amount,
      refundedAmount: r.payment.refundedAmount,
      refundingAmount: r.payment.refundingAmount,
    },
  };
}
