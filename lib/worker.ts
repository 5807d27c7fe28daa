import { randomUUID } from "node:crypto";
import { deliverDueNotifications } from "./bitrix/outbox-delivery";
import { kaspiGateway } from "./container";
import { db } from "./db";
import { env } from "./env";
import { checkOverduePayments } from "./payments/check-overdue-use-case";
import { pollQrPayments } from "./payments/qr-poll-use-case";
import { sandboxSweepExpired } from "./sandbox/sandbox-service";

// The background loop of one server process: Bitrix notifications, overdue payments and the
// sandbox's clock. All of its state is in the database, so any number of processes may run it.

const holder = globalThis as unknown as { __checkoutWorker?: { stop: () => Promise<void> } };

export function startWorker(): void {
  if (holder.__checkoutWorker) return;
  const e = env();
  const workerId = `${process.pid}-${randomUUID().slice(0, 8)}`;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  const tick = async () => {
    const client = db();
    if (e.sandboxEnabled) await sandboxSweepExpired(client);
    await pollQrPayments(client, kaspiGateway());
    await checkOverduePayments(client, kaspiGateway());
    await deliverDueNotifications(client, { notifyUrl: e.BITRIX_NOTIFY_URL, secret: e.BITRIX_SHARED_SECRET }, workerId);
  };

  const loop = () => {
    if (stopped) return;
    running = tick()
      .catch((err: unknown) => {
        console.error(
          JSON.stringify({
            level: "error",
            msg: "worker tick failed",
            error: err instanceof Error ? err.message : "unknown",
          }),
        );
      })
      .finally(() => {
        if (!stopped) setTimeout(loop, e.WORKER_INTERVAL_MS).unref();
      });
  };
  setTimeout(loop, 200).unref();

  holder.__checkoutWorker = {
    stop: async () => {
      stopped = true;
      await running;
    },
  };
  const shutdown = () => void holder.__checkoutWorker?.stop();
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
}
