import type { Db } from "../db";
import type { KaspiGateway, KaspiPaymentState, KaspiResult } from "../kaspi/gateway";

// Callbacks are hints, and anyone can send them: a burst for one payment must not become a burst
// of Kaspi reads. Concurrent callbacks in this process share one read; a repeat of what Kaspi said
// about the payment in the last few seconds (by any instance: the timeline is in the database) is
// not read again — the reconciler is told to look at it shortly instead, so nothing true is lost.

export const COALESCE_MS = 3_000;

const inFlight = new Map<string, Promise<KaspiResult<KaspiPaymentState>>>();

/** One Kaspi read per payment at a time in this process. */
export function sharedRead(gateway: KaspiGateway, kaspiPaymentId: string): Promise<KaspiResult<KaspiPaymentState>> {
  const running = inFlight.get(kaspiPaymentId);
  if (running) return running;
  const read = gateway.getPayment(kaspiPaymentId).finally(() => inFlight.delete(kaspiPaymentId));
  inFlight.set(kaspiPaymentId, read);
  return read;
}

/**
 * What Kaspi said about this payment within COALESCE_MS (mapped to our status), or null. A callback
 * claiming the same is a duplicate and is coalesced; one claiming something else is read again
 * (a late COMPLETED after EXPIRED must still pay), within the callback route's rate limit.
 */
export async function recentKaspiStatus(db: Db, paymentId: string, now = new Date()): Promise<string | null> {
  const recent = await db.paymentEvent.findFirst({
    where: { paymentId, type: "verification.result", createdAt: { gt: new Date(now.getTime() - COALESCE_MS) } },
    orderBy: { createdAt: "desc" },
    select: { data: true },
  });
  if (!recent?.data) return null;
  try {
    const status = (JSON.parse(recent.data) as { status?: unknown }).status;
    return typeof status === "string" ? status : null;
  } catch {
    return null;
  }
}

/** Asks the reconciler to read the payment soon (never later than it already would). */
export async function recheckSoon(db: Db, paymentId: string, now = new Date()): Promise<void> {
  const at = new Date(now.getTime() + COALESCE_MS);
  await db.payment.updateMany({
    where: {
      id: paymentId,
      status: { in: ["CREATED", "PENDING"] },
      OR: [{ nextCheckAt: null }, { nextCheckAt: { gt: at } }],
    },
    data: { nextCheckAt: at },
  });
}
