import type { Db } from "../db";
import { log } from "../log";
import { recordEvent } from "../payments/timeline";
import { signatureHeaders, targetOf } from "../bitrix-onprem/signature";

// Delivers Bitrix notifications from the outbox, at least once. A row is claimed with a lease
// (compare-and-set on lockedUntil), so several processes on one database never send it together;
// a crashed sender's lease simply runs out and another process picks the row up.

export type DeliveryOutcome = { ok: true; status: number; detail?: string } | { ok: false; error: string };

/** Delivers one row some other way than a signed POST to notifyUrl (e.g. Bitrix24 REST). */
export type NotificationTransport = (row: {
  event: string;
  payload: string;
  orderId: string;
  paymentId: string;
}) => Promise<DeliveryOutcome>;

export type DeliveryConfig = {
  notifyUrl: string | undefined;
  secret: string;
  timeoutMs?: number;
  leaseMs?: number;
  /** When set, rows go through it instead of notifyUrl (same leases, retries and timeline). */
  transport?: NotificationTransport;
};

export function backoffMs(attempts: number): number {
  // 5 s, 10 s, 20 s … capped at 1 h.
  return Math.min(5_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

export async function deliverDueNotifications(
  db: Db,
  config: DeliveryConfig,
  workerId: string,
  now = new Date(),
): Promise<{ delivered: number; failed: number }> {
  const stats = { delivered: 0, failed: 0 };
  // Without a URL rows wait, visible on the timeline and in /api/health's backlog.
  if (!config.notifyUrl && !config.transport) return stats;
  const due = await db.outbox.findMany({
    where: {
      deliveredAt: null,
      nextAttemptAt: { lte: now },
      OR: [{ lockedUntil: null }, { lockedUntil: { lt: now } }],
    },
    orderBy: { nextAttemptAt: "asc" },
    take: 20,
  });
  for (const row of due) {
    const claim = await db.outbox.updateMany({
      where: { id: row.id, deliveredAt: null, OR: [{ lockedUntil: null }, { lockedUntil: { lt: now } }] },
      data: { lockedUntil: new Date(Date.now() + (config.leaseMs ?? 60_000)), lockedBy: workerId },
    });
    if (claim.count !== 1) continue;
    const outcome = config.transport
      ? await config.transport(row).catch((): DeliveryOutcome => ({ ok: false, error: "delivery failed" }))
      : await post(config.notifyUrl ?? "", config.secret, row.payload, config.timeoutMs ?? 10_000);
    const attempts = row.attempts + 1;
    const base = { orderId: row.orderId, paymentId: row.paymentId, source: "system" as const };
    if (outcome.ok) {
      await db.outbox.update({
        where: { id: row.id },
        data: { deliveredAt: new Date(), attempts, lockedUntil: null, lockedBy: null, lastError: null },
      });
      await recordEvent(db, {
        ...base,
        type: "notify.delivered",
        message: `${row.event} → ${outcome.detail ?? `HTTP ${outcome.status}`}`,
        data: { attempts },
      });
      log().info({ outboxId: row.id, paymentId: row.paymentId, attempts }, "notification delivered");
      stats.delivered++;
    } else {
      const next = new Date(Date.now() + backoffMs(attempts));
      await db.outbox.update({
        where: { id: row.id },
        data: { attempts, nextAttemptAt: next, lockedUntil: null, lockedBy: null, lastError: outcome.error },
      });
      await recordEvent(db, {
        ...base,
        type: "notify.failed",
        message: `${row.event}: ${outcome.error}`,
        data: { attempts, nextAttemptAt: next.toISOString() },
      });
      log().warn({ outboxId: row.id, paymentId: row.paymentId, attempts, error: outcome.error }, "notification failed");
      stats.failed++;
    }
  }
  return stats;
}

async function post(url: string, secret: string, payload: string, timeoutMs: number): Promise<DeliveryOutcome> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        ...signatureHeaders(secret, { method: "POST", target: targetOf(url), body: payload }),
      },
      body: payload,
      signal: AbortSignal.timeout(timeoutMs),
      // A redirect is an answer, not a place to send the signed payload again.
      redirect: "manual",
    });
    await res.arrayBuffer().catch(() => undefined);
    return res.ok ? { ok: true, status: res.status } : { ok: false, error: `HTTP ${res.status}` };
  } catch (e) {
    const timedOut = e instanceof Error && e.name === "TimeoutError";
    return { ok: false, error: timedOut ? `no answer within ${timeoutMs} ms` : "connection failed" };
  }
}
