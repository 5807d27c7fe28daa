import type { Db } from "../db";
import type { KaspiGateway } from "../kaspi/gateway";
import { applyKaspiStatus } from "./apply-status";
import { recordEvent } from "./timeline";

// A callback can be lost. Once an open payment is past its expiry, ask Kaspi what became of it
// and apply the answer through the same guarded transition as a callback. If Kaspi keeps saying
// "pending" long after expiry, the payment is expired by our clock.
// (Issue-level reconciliation with a full backoff schedule builds on this.)

const RECHECK_MS = 30_000;
const GIVE_UP_AFTER_MS = 10 * 60_000;

export async function checkOverduePayments(db: Db, gateway: KaspiGateway, now = new Date()): Promise<number> {
  const overdue = await db.payment.findMany({
    // Kaspi QR attempts are polled by qr-poll-use-case, whose schedule lives in the same nextCheckAt.
    where: { status: "PENDING", nextCheckAt: { lte: now }, kaspiPaymentId: { not: null }, protocol: { not: "qr" } },
    orderBy: { nextCheckAt: "asc" },
    take: 20,
  });
  for (const p of overdue) {
    // Claim: move nextCheckAt forward first so another process skips this payment meanwhile.
    const claim = await db.payment.updateMany({
      where: { id: p.id, status: "PENDING", nextCheckAt: p.nextCheckAt },
      data: { nextCheckAt: new Date(now.getTime() + RECHECK_MS) },
    });
    if (claim.count !== 1 || !p.kaspiPaymentId) continue;
    const state = await gateway.getPayment(p.kaspiPaymentId);
    const base = { orderId: p.orderId, paymentId: p.id, source: "kaspi.api" as const };
    if (!state.ok) {
      await recordEvent(db, { ...base, type: "verification.failed", message: state.error.message });
      continue;
    }
    await recordEvent(db, {
      ...base,
      type: "verification.result",
      message: `Kaspi says ${state.value.rawStatus}`,
      data: state.value,
    });
    const amountOk = state.value.amount === undefined || state.value.amount === p.amount;
    if (state.value.status !== "PENDING" && (state.value.status !== "PAID" || amountOk)) {
      await applyKaspiStatus(db, { paymentId: p.id, to: state.value.status, source: "kaspi.api", now });
    } else if (p.expiresAt && now.getTime() - p.expiresAt.getTime() > GIVE_UP_AFTER_MS) {
      await applyKaspiStatus(db, {
        paymentId: p.id,
        to: "EXPIRED",
        source: "system",
        data: { reason: "expired by clock" },
        now,
      });
    }
  }
  return overdue.length;
}
