import type { Db } from "../db";
import type { KaspiGateway } from "../kaspi/gateway";
import { errorMessage, log } from "../log";
import { applyKaspiStatus } from "./apply-status";
import { completeCreation, type StartPaymentDeps } from "./start-payment-use-case";
import { scopedToStore } from "./store-gateway";
import { recordEvent } from "./timeline";

// Reconciliation: a missed callback costs latency, never money. Every open payment is re-checked
// with Kaspi on a backoff schedule until it is final, and what Kaspi says is applied through the
// same guarded transition as a callback. Unconfirmed creations (Kaspi did not answer, or the
// process died mid-call) are completed by asking Kaspi again with the attempt's externalId.
// A payment is claimed by moving its nextCheckAt forward with a compare-and-set (a lease), so any
// number of processes can reconcile one database and never two look at one payment at once.

export const RECHECK_SCHEDULE_MS = [15_000, 30_000, 60_000, 120_000, 300_000] as const;
const LEASE_MS = 60_000;
/** Past its expiry, how long Kaspi may still say "pending" before our clock expires the payment. */
export const EXPIRY_GRACE_MS = 2 * 60_000;

export function nextCheckDelay(checkCount: number): number {
  return RECHECK_SCHEDULE_MS[Math.min(checkCount, RECHECK_SCHEDULE_MS.length - 1)] ?? 300_000;
}

export type ReconcileStats = { checked: number; changed: number; creationsRetried: number; errors: number };

export async function reconcileDuePayments(
  deps: StartPaymentDeps,
  opts: { limit?: number; now?: Date } = {},
): Promise<ReconcileStats> {
  const { db } = deps;
  const now = opts.now ?? new Date();
  const stats: ReconcileStats = { checked: 0, changed: 0, creationsRetried: 0, errors: 0 };
  const due = await db.payment.findMany({
    where: {
      nextCheckAt: { lte: now },
      // Open Kaspi QR payments are polled by qr-poll-use-case on Kaspi's own interval.
      OR: [{ status: "CREATED" }, { status: "PENDING", protocol: { not: "qr" } }],
    },
    orderBy: { nextCheckAt: "asc" },
    take: opts.limit ?? 50,
    select: { id: true, status: true, storeId: true },
  });
  for (const p of due) {
    try {
      // Each payment is asked of its own store's Kaspi (lib/payments/store-gateway.ts).
      const scoped = await scopedToStore(deps, p.storeId);
      if (!scoped.ok) {
        stats.errors++;
        await postpone(db, p.id, now);
        log().warn(
          { paymentId: p.id, storeId: p.storeId, error: scoped.error.message },
          "reconcile: the store cannot reach Kaspi",
        );
        continue;
      }
      if (p.status === "CREATED") {
        stats.creationsRetried++;
        await completeCreation(scoped.value, p.id);
      } else {
        stats.checked++;
        if (await recheckPayment(db, scoped.value.gateway, p.id, now)) stats.changed++;
      }
    } catch (e) {
      stats.errors++;
      log().error({ paymentId: p.id, error: errorMessage(e) }, "reconcile failed");
    }
  }
  return stats;
}

/**
 * A payment whose store cannot reach Kaspi now (its contract was removed, or it is in test mode
 * while the sandbox is off) is looked at again on the longest step of the schedule, not every tick.
 */
async function postpone(db: Db, paymentId: string, now: Date): Promise<void> {
  await db.payment.updateMany({
    where: { id: paymentId, status: { in: ["CREATED", "PENDING"] } },
    data: { nextCheckAt: new Date(now.getTime() + nextCheckDelay(RECHECK_SCHEDULE_MS.length)) },
  });
}

/** Asks Kaspi about one open payment (if this process wins its lease). True when it changed. */
export async function recheckPayment(
  db: Db,
  gateway: KaspiGateway,
  paymentId: string,
  now = new Date(),
): Promise<boolean> {
  const p = await db.payment.findUnique({ where: { id: paymentId } });
  if (!p || p.status !== "PENDING" || !p.kaspiPaymentId) return false;
  // Another process may have checked it since the due list was read: only a payment still due is
  // claimed, or the same payment would be asked twice.
  if (!p.nextCheckAt || p.nextCheckAt.getTime() > now.getTime()) return false;
  const claim = await db.payment.updateMany({
    where: { id: p.id, status: "PENDING", nextCheckAt: p.nextCheckAt },
    data: { nextCheckAt: new Date(now.getTime() + LEASE_MS), checkCount: { increment: 1 } },
  });
  if (claim.count !== 1) return false;

  const base = { orderId: p.orderId, paymentId: p.id, source: "kaspi.api" as const };
  const state = await gateway.getPayment(p.kaspiPaymentId);
  const expired = p.expiresAt !== null && now.getTime() > p.expiresAt.getTime() + EXPIRY_GRACE_MS;
  if (state.ok) {
    const s = state.value;
    const mismatch =
      (s.externalId !== undefined && s.externalId !== p.kaspiExternalId) ||
      (s.status === "PAID" && s.amount !== undefined && s.amount !== p.amount);
    if (mismatch) {
      await recordEvent(db, {
        ...base,
        type: "verification.rejected",
        message: "Kaspi's payment does not match ours",
        data: s,
      });
    } else if (s.status !== "PENDING") {
      await recordEvent(db, { ...base, type: "reconcile.result", message: `Kaspi says ${s.rawStatus}`, data: s });
      const applied = await applyKaspiStatus(db, { paymentId: p.id, to: s.status, source: "kaspi.api", now });
      return applied.changed;
    }
  } else {
    await recordEvent(db, { ...base, type: "verification.failed", message: state.error.message });
  }
  if (expired) {
    const applied = await applyKaspiStatus(db, {
      paymentId: p.id,
      to: "EXPIRED",
      source: "system",
      data: { reason: "expired by the clock; Kaspi did not report a final status" },
      now,
    });
    return applied.changed;
  }
  // Still open: next look on the backoff schedule, but never later than just after its expiry.
  let next = now.getTime() + nextCheckDelay(p.checkCount + 1);
  if (p.expiresAt && p.expiresAt.getTime() > now.getTime()) next = Math.min(next, p.expiresAt.getTime() + 5_000);
  else if (p.expiresAt) next = Math.min(next, p.expiresAt.getTime() + EXPIRY_GRACE_MS + 1_000);
  await db.payment.updateMany({
    where: { id: p.id, status: "PENDING" },
    data: { nextCheckAt: new Date(next) },
  });
  return false;
}
