// npm run reconcile — one reconciliation run for cron-style deployments: re-checks every due open
// payment with Kaspi and completes unconfirmed creations, then exits. Safe beside running servers.
import { startPaymentDeps } from "../lib/container";
import { disconnectDb } from "../lib/db";
import { reconcileDuePayments } from "../lib/payments/reconcile-use-case";

const total = { checked: 0, changed: 0, creationsRetried: 0, errors: 0 };
for (let pass = 0; pass < 100; pass++) {
  const stats = await reconcileDuePayments(startPaymentDeps(), { limit: 100 });
  for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += stats[k];
  if (stats.checked + stats.creationsRetried < 100) break;
}
console.log(JSON.stringify({ level: "info", msg: "reconcile finished", ...total }));
await disconnectDb();
process.exit(total.errors > 0 ? 1 : 0);
