import type { Db } from "../db";
import { errorMessage, log } from "../log";
import { recordEvent } from "../payments/timeline";
import { claimLease, ensureCashbox, releaseLease, renewLease } from "./cashbox-lease";
import { RECEIPT_EVENTS } from "./enqueue-receipt";
import {
  LeaseLost,
  type BeforeRequest,
  type FiscalProvider,
  type RegisterOutcome,
  type ReturnBasis,
  type ServiceError,
} from "./port";
import { parseDocument } from "./receipt-document";
import { recordIssued } from "./receipt-issued";
import { almatyDay, zReportDue } from "./shift-schedule";

// Sends due receipts to the cash register, exactly once each (docs/fiscal.md "Exactly once"):
// 1. one instance at a time per register: a lease on its FiscalCashbox row, renewed before every
//    request (lib/fiscal/cashbox-lease.ts);
// 2. a receipt that may already have reached the service (sentAt set) is first looked up by its
//    ExternalCheckNumber; only when it is absent is it sent again, with the same number, and a
//    "duplicate" (14) answer is the receipt found, never a reason for a new number (AR's recipe);
// 3. sentAt is written before the request goes, so a process killed mid-request leaves a row the
//    next holder looks up first;
// 4. "shift over 24 h" (11): a Z report, then the same request once more; "no open shift" needs
//    nothing (a shift opens with the first receipt; 12/13 on a Z report mean nothing to close);
// 5. a register or account that cannot work (blocked, …): the receipt is HELD, the register
//    stopped (no request at all until a person retries), and an alert is logged and on the timeline;
// 6. any other refusal is final: FAILED, on the timeline and in the needs-attention filter, with a
//    retry for an admin; no answer is retried with backoff.
// A return is sent only once its sale is issued: its basis is the sale's fiscal data.

export type FiscalWorkerDeps = {
  db: Db;
  provider: FiscalProvider;
  /** Unique per process: the lease's holder. */
  workerId: string;
  /** Longer than one request can take (the provider's timeout) plus the database writes around it. */
  leaseMs: number;
  /** FISCAL_SHIFT_CLOSE_AT ("HH:MM", Almaty), or null. */
  shiftCloseAt: string | null;
};

type FiscalReceipt = Awaited<ReturnType<Db["fiscalReceipt"]["findUniqueOrThrow"]>>;

export type FiscalRunStats = {
  issued: number;
  retried: number;
  failed: number;
  held: number;
  waiting: number;
  busy?: boolean;
};

const BATCH = 20;
const WAIT_FOR_SALE_MS = 15_000;

/** 5 s, 10 s, 20 s … capped at 5 minutes: a receipt should not wait long for a transient fault. */
export function receiptBackoffMs(attempts: number): number {
  return Math.min(5_000 * 2 ** Math.max(0, attempts - 1), 300_000);
}

export async function issueDueReceipts(deps: FiscalWorkerDeps, now = new Date()): Promise<FiscalRunStats> {
  const { db, provider } = deps;
  const stats: FiscalRunStats = { issued: 0, retried: 0, failed: 0, held: 0, waiting: 0 };
  const cashbox = provider.cashboxId;
  await ensureCashbox(db, cashbox);
  if (!(await claimLease(db, cashbox, deps.workerId, deps.leaseMs, now))) return { ...stats, busy: true };
  const before: BeforeRequest = () => renewLease(db, cashbox, deps.workerId, deps.leaseMs);
  try {
    const box = await db.fiscalCashbox.findUniqueOrThrow({ where: { id: cashbox } });
    if (box.blockedAt) return stats; // stopped: a person retries a held receipt to go on
    if (deps.shiftCloseAt && zReportDue(deps.shiftCloseAt, box.lastZReportDay, now)) {
      await scheduledZReport(deps, before, now);
    }
    const due = await db.fiscalReceipt.findMany({
      where: { cashbox, status: "PENDING", nextAttemptAt: { lte: now } },
      orderBy: [{ nextAttemptAt: "asc" }, { createdAt: "asc" }],
      take: BATCH,
    });
    for (const row of due) {
      const result = await issueOne(deps, row, before);
      stats[result]++;
      if (result === "held") break;
    }
  } catch (e) {
    if (!(e instanceof LeaseLost)) throw e;
    log().warn({ cashbox, workerId: deps.workerId }, "fiscal: the cash register's lease passed to another instance");
  } finally {
    await releaseLease(db, cashbox, deps.workerId);
  }
  return stats;
}

type Result = "issued" | "retried" | "failed" | "held" | "waiting";

async function basisOf(
  db: Db,
  row: FiscalReceipt,
): Promise<{ basis: ReturnBasis } | { wait: string } | { fail: string }> {
  const sale = await db.fiscalReceipt.findUnique({ where: { key: `sale:${row.paymentId}` } });
  if (!sale) return { fail: "the payment has no sale receipt to return against" };
  if (sale.status !== "ISSUED") return { wait: `waiting for the sale receipt (${sale.status})` };
  if (!sale.checkNumber || !sale.fiscalDateTime || !sale.registrationNumber) {
    return { fail: "the sale receipt lacks its fiscal sign, time or register number" };
  }
  return {
    basis: {
      checkNumber: sale.checkNumber,
      dateTime: sale.fiscalDateTime,
      registrationNumber: sale.registrationNumber,
      total: sale.total,
      offline: sale.offline ?? false,
    },
  };
}

async function issueOne(deps: FiscalWorkerDeps, row: FiscalReceipt, before: BeforeRequest): Promise<Result> {
  const { db, provider } = deps;
  let basis: ReturnBasis | undefined;
  if (row.kind === "return") {
    const b = await basisOf(db, row);
    if ("wait" in b) {
      await db.fiscalReceipt.updateMany({
        where: { id: row.id, status: "PENDING" },
        data: { nextAttemptAt: new Date(Date.now() + WAIT_FOR_SALE_MS), lastError: b.wait },
      });
      return "waiting";
    }
    if ("fail" in b) return refuse(deps, row, { code: 0, message: b.fail });
    basis = b.basis;
  }

  // A request may have reached the service before (a lost answer, a crash): find it first.
  const sentBefore = row.sentAt !== null;
  if (sentBefore) {
    const found = await provider.find(
      { externalCheckNumber: row.externalCheckNumber, since: row.sentAt ?? new Date() },
      before,
    );
    if (found.kind === "found")
      return issued(deps, row, found.receipt, "found by its external number after a lost answer");
    if (found.kind === "halt") return hold(deps, row, found.error);
    if (found.kind === "unavailable") return retryLater(deps, row, `lookup: ${found.message}`, true);
  }

  const document = parseDocument(row.document);
  await db.fiscalReceipt.updateMany({
    where: { id: row.id, status: "PENDING" },
    data: { sentAt: row.sentAt ?? new Date(), attempts: { increment: 1 } },
  });
  const send = () =>
    provider.register({ document, externalCheckNumber: row.externalCheckNumber, ...(basis ? { basis } : {}) }, before);
  let outcome: RegisterOutcome = await send();
  if (outcome.kind === "shift-expired") {
    const closed = await provider.closeShift(before);
    await recordEvent(db, {
      orderId: row.orderId,
      paymentId: row.paymentId,
      type: RECEIPT_EVENTS.shiftClosed,
      source: "system",
      message:
        closed.kind === "closed"
          ? `the shift was open for more than 24 hours: Z report (shift ${closed.shiftNumber ?? "?"} closed), the receipt sent again`
          : `the shift was open for more than 24 hours; Z report: ${closed.kind}`,
    });
    if (closed.kind === "halt") return hold(deps, row, closed.error);
    if (closed.kind === "closed" || closed.kind === "nothing-open") outcome = await send();
    else
      return retryLater(
        deps,
        row,
        `Z report: ${closed.kind === "refused" ? closed.error.message : closed.message}`,
        true,
      );
  }

  switch (outcome.kind) {
    case "issued":
      return issued(deps, row, outcome.receipt, sentBefore ? "sent again with the same external number" : "");
    case "duplicate": {
      if (outcome.receipt) return issued(deps, row, outcome.receipt, "(the service already had it: duplicate answer)");
      const found = await provider.find(
        { externalCheckNumber: row.externalCheckNumber, since: row.sentAt ?? new Date() },
        before,
      );
      if (found.kind === "found")
        return issued(deps, row, found.receipt, "(the service already had it: found after a duplicate answer)");
      if (found.kind === "halt") return hold(deps, row, found.error);
      return retryLater(deps, row, "the service has this external number but it was not found yet", true);
    }
    case "shift-expired":
      return retryLater(deps, row, `${outcome.error.message} again right after a Z report`, true);
    case "halt":
      return hold(deps, row, outcome.error);
    case "refused":
      return refuse(deps, row, outcome.error);
    case "unavailable":
      return retryLater(deps, row, outcome.message, outcome.maybeSent || sentBefore);
  }
}

async function issued(
  deps: FiscalWorkerDeps,
  row: FiscalReceipt,
  receipt: Parameters<typeof recordIssued>[2],
  how: string,
): Promise<Result> {
  await recordIssued(deps.db, row, receipt, how);
  log().info(
    { receiptId: row.id, paymentId: row.paymentId, kind: row.kind, checkNumber: receipt.checkNumber },
    "fiscal receipt issued",
  );
  return "issued";
}

async function retryLater(
  deps: FiscalWorkerDeps,
  row: FiscalReceipt,
  message: string,
  maybeSent: boolean,
): Promise<Result> {
  const current = await deps.db.fiscalReceipt.findUniqueOrThrow({ where: { id: row.id } });
  const next = new Date(Date.now() + receiptBackoffMs(Math.max(1, current.attempts)));
  await deps.db.fiscalReceipt.updateMany({
    where: { id: row.id, status: "PENDING" },
    // A request that surely never arrived needs no lookup next time.
    data: { nextAttemptAt: next, lastError: message, errorCode: null, ...(maybeSent ? {} : { sentAt: null }) },
  });
  await recordEvent(deps.db, {
    orderId: row.orderId,
    paymentId: row.paymentId,
    type: RECEIPT_EVENTS.retry,
    source: "system",
    message: `${row.kind} receipt not confirmed: ${message}; next try ${next.toISOString()}`,
  });
  log().warn({ receiptId: row.id, paymentId: row.paymentId, error: message }, "fiscal receipt will be retried");
  return "retried";
}

async function refuse(deps: FiscalWorkerDeps, row: FiscalReceipt, error: ServiceError): Promise<Result> {
  const res = await deps.db.fiscalReceipt.updateMany({
    where: { id: row.id, status: "PENDING" },
    data: { status: "FAILED", lastError: error.message, errorCode: error.code || null },
  });
  if (res.count === 1) {
    await recordEvent(deps.db, {
      orderId: row.orderId,
      paymentId: row.paymentId,
      type: RECEIPT_EVENTS.failed,
      source: "system",
      message: `${row.kind} receipt refused: ${error.message} — fix the cause, then "Retry receipt"`,
    });
  }
  log().error({ receiptId: row.id, paymentId: row.paymentId, error: error.message }, "fiscal receipt refused");
  return "failed";
}

async function hold(deps: FiscalWorkerDeps, row: FiscalReceipt, error: ServiceError): Promise<Result> {
  const { db, provider } = deps;
  await db.$transaction(async (tx) => {
    await tx.fiscalReceipt.updateMany({
      where: { id: row.id, status: "PENDING" },
      data: { status: "HELD", lastError: error.message, errorCode: error.code },
    });
    await tx.fiscalCashbox.update({
      where: { id: provider.cashboxId },
      data: { blockedAt: new Date(), blockedReason: error.message },
    });
    await recordEvent(tx, {
      orderId: row.orderId,
      paymentId: row.paymentId,
      type: RECEIPT_EVENTS.held,
      source: "system",
      message: `receipts stopped: ${error.message}. Nothing is sent to cash register ${provider.cashboxId} until the cause is fixed and an admin presses "Retry receipt"`,
    });
  });
  // The alert: an error line an operator's log monitoring picks up, and /api/health's figures.
  log().error(
    { cashbox: provider.cashboxId, receiptId: row.id, error: error.message },
    "ALERT fiscal: cash register stopped",
  );
  return "held";
}

async function scheduledZReport(deps: FiscalWorkerDeps, before: BeforeRequest, now: Date): Promise<void> {
  const { db, provider } = deps;
  try {
    const closed = await provider.closeShift(before);
    if (closed.kind === "unavailable") {
      log().warn(
        { cashbox: provider.cashboxId, error: closed.message },
        "fiscal: daily Z report failed, tried again next round",
      );
      return;
    }
    if (closed.kind === "halt") {
      await db.fiscalCashbox.update({
        where: { id: provider.cashboxId },
        data: { blockedAt: new Date(), blockedReason: closed.error.message },
      });
      log().error({ cashbox: provider.cashboxId, error: closed.error.message }, "ALERT fiscal: cash register stopped");
      return;
    }
    await db.fiscalCashbox.update({ where: { id: provider.cashboxId }, data: { lastZReportDay: almatyDay(now) } });
    log().info({ cashbox: provider.cashboxId, outcome: closed.kind }, "fiscal: daily Z report");
  } catch (e) {
    if (e instanceof LeaseLost) throw e;
    log().error({ cashbox: provider.cashboxId, error: errorMessage(e) }, "fiscal: daily Z report failed");
  }
}
