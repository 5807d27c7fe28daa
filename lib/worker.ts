import { randomUUID } from "node:crypto";
import { deliverDueNotifications } from "./outbox/delivery";
import { fiscalWorkerDeps, kaspiGateway, outboxTransport, startPaymentDeps, storeGatewayFor } from "./container";
import { issueDueReceipts } from "./fiscal/issue-receipts-use-case";
import { db } from "./db";
import { env } from "./env";
import { errorMessage, log } from "./log";
import { reconcileDuePayments } from "./payments/reconcile-use-case";
import { pollQrPayments } from "./payments/qr-poll-use-case";
import { sandboxSweepExpired } from "./sandbox/sandbox-service";

// The background loop of one server process: Bitrix notifications, fiscal receipts, overdue
// payments and the sandbox's clock. All of its state is in the database, so any number of processes may run it.

// One worker per process, on globalThis: Next bundles instrumentation.ts, proxy.ts and the routes
// separately, each with its own copy of lib/ (see instrumentation.ts), and dev may register again.
const holder = globalThis as unknown as { __checkoutWorker?: { stop: () => Promise<void> } };

export function startWorker(): void {
  if (holder.__checkoutWorker) return;
  const e = env();
  const workerId = `${process.pid}-${randomUUID().slice(0, 8)}`;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  const transport = outboxTransport();
  // Null with FISCAL_PROVIDER=none: no receipt is ever sent (nor called for).
  const fiscal = fiscalWorkerDeps(workerId);
  const tick = async () => {
    const client = db();
    if (e.sandboxEnabled) await sandboxSweepExpired(client);
    // Every store's open payments, each asked of its own store's Kaspi.
    await pollQrPayments(client, kaspiGateway(), new Date(), storeGatewayFor);
    await reconcileDuePayments(startPaymentDeps());
    // Receipts before notifications: a link issued now rides on the notification sent now.
    if (fiscal) {
      await issueDueReceipts(fiscal).catch((err: unknown) => {
        log().error({ workerId, error: errorMessage(err) }, "fiscal receipts round failed");
      });
    }
    await deliverDueNotifications(client, { ...(transport ? { transport } : {}) }, workerId);
  };

  const loop = () => {
    if (stopped) return;
    running = tick()
      .catch((err: unknown) => {
        log().error({ workerId, error: errorMessage(err) }, "worker tick failed");
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
