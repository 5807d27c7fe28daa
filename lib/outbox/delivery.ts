import type { Db } from "../db";
import { log } from "../log";
import { recordEvent } from "../payments/timeline";
import { signedPostTransport } from "../bitrix-onprem/signed-post-transport";
import type { DeliveryOutcome, NotificationTransport } from "./transport";

// Delivers Bitrix notifications from the outbox, at least once. A row is claimed with a lease
// (compare-and-set on lockedUntil), so several processes on one database never send it together;
// a crashed sender's lease simply runs out and another process picks the row up.

export type { DeliveryOutcome, NotificationTransport } from "./transport";

/** A row the store refused for good stays undelivered (visible in the backlog) but is never due again. */
const NEVER = new Date("9999-12-31T00:00:00.000Z");

export type DeliveryConfig = {
  /** The connector's transport (lib/container.ts picks it); wins over notifyUrl. */
  transport?: NotificationTransport;
  /** Shorthand for the on-premise signed POST transport to this URL with this secret. */
  notifyUrl?: string | undefined;
  secret?: string;
  timeoutMs?: number;
  leaseMs?: number;
};

function transportOf(config: DeliveryConfig): NotificationTransport | undefined {
  if (config.transport) return config.transport;
  if (!config.notifyUrl || !config.secret) return undefined;
  return signedPostTransport({ url: config.notifyUrl, secret: config.secret, timeoutMs: config.timeoutMs ?? 10_000 });
}

export function backoffMs(attempts: number): number {
  // 5 s, 10 s, 20 s … capped at 1 h.
  return Math.min(5_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

export async function deliverDueNotifications(
  db: Db,
  config: DeliveryConfig,
  workerId: string,
  now = new Date(),
): Promise<{ delivered: number; failed: number; final?: number }> {
  const stats: { delivered: number; failed: number; final?: number } = { delivered: 0, failed: 0 };
  // Without a transport rows wait, visible on the timeline and in /api/health's backlog.
  const transport = transportOf(config);
  if (!transport) return stats;
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
      // Still due: another process may have tried it since the list was read and moved it on.
      where: {
        id: row.id,
        deliveredAt: null,
        nextAttemptAt: { lte: now },
        OR: [{ lockedUntil: null }, { lockedUntil: { lt: now } }],
      },
      data: { lockedUntil: new Date(Date.now() + (config.leaseMs ?? 60_000)), lockedBy: workerId },
    });
    if (claim.count !== 1) continue;
    const outcome = await transport(row).catch((): DeliveryOutcome => ({ kind: "retry", error: "delivery failed" }));
    const attempts = row.attempts + 1;
    const base = { orderId: row.orderId, paymentId: row.paymentId, source: "system" as const };
    if (outcome.kind === "delivered") {
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
    } else if (outcome.kind === "final") {
      await db.outbox.update({
        where: { id: row.id },
        data: {
          attempts,
          nextAttemptAt: NEVER,
          lockedUntil: null,
          lockedBy: null,
          lastError: `final: ${outcome.error}`,
        },
      });
      await recordEvent(db, {
        ...base,
        type: "notify.refused",
        message: `${row.event}: ${outcome.error} (not retried)`,
        data: { attempts },
      });
      if (outcome.attention) {
        await recordEvent(db, { ...base, type: outcome.attention.type, message: outcome.attention.message });
      }
      log().warn(
        { outboxId: row.id, paymentId: row.paymentId, attempts, error: outcome.error },
        "notification refused for good",
      );
      stats.final = (stats.final ?? 0) + 1;
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
