// npm run bench:merchant-list [-- --count 100000] [--reuse]   (--reuse: time the last seeded file again)
// Seeds N payments (default 100,000) into a separate SQLite file (data/bench-merchant.db, made
// fresh each run) and times what the merchant list page runs: one page + totals of the filtered
// set, for the first page, a deep page, a status + date filter, searches, the overview, and the
// full CSV export. Prints the median and worst of several runs. Not a test: figures only.
import "dotenv/config";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";

const countAt = process.argv.indexOf("--count");
const COUNT = countAt >= 0 ? Number(process.argv[countAt + 1]) : 100_000;
const REUSE = process.argv.includes("--reuse") && existsSync(path.resolve("data/bench-merchant.db"));
const file = path.resolve("data/bench-merchant.db");
mkdirSync(path.dirname(file), { recursive: true });
if (!REUSE) for (const s of ["", "-journal", "-wal", "-shm"]) rmSync(`${file}${s}`, { force: true });
process.env.DATABASE_URL = `file:${file}`;
process.env.BITRIX_SHARED_SECRET ||= "bench-does-not-use-the-shared-secret";
execFileSync(path.resolve("node_modules/.bin/prisma"), ["migrate", "deploy"], { stdio: "pipe", env: process.env });

const { db, disconnectDb } = await import("../lib/db");
const { listPayments, paymentTotals, paymentsView } = await import("../lib/merchant/payments-query");
const { merchantOverview } = await import("../lib/merchant/overview");
const { paymentsCsvStream } = await import("../lib/merchant/csv-export");
const { addDays, almatyDay } = await import("../lib/merchant/almaty-time");
const { DEFAULT_STORE_ID: STORE } = await import("../lib/stores/store-id");
const client = db();

// Seed: 100,000 orders, one payment each, spread over the last 90 days; a realistic status mix.
const STATUSES = [
  "PAID",
  "PAID",
  "PAID",
  "PAID",
  "PAID",
  "PENDING",
  "FAILED",
  "EXPIRED",
  "PARTIALLY_REFUNDED",
  "REFUNDED",
];
const now = Date.now();
const span = 90 * 24 * 3600 * 1000;
const t0 = performance.now();
const BATCH = 2_000;
for (let start = 0; !REUSE && start < COUNT; start += BATCH) {
  const orders = [];
  const payments = [];
  for (let i = start; i < Math.min(COUNT, start + BATCH); i++) {
    const status = STATUSES[i % STATUSES.length] ?? "PAID";
    const createdAt = new Date(now - Math.floor((i / COUNT) * span) - (i % 1000));
    const amount = 500 + ((i * 7919) % 200_000);
    const paid = ["PAID", "PARTIALLY_REFUNDED", "REFUNDED"].includes(status);
    orders.push({
      id: `ord_b${i}`,
      externalId: `BX-${100000 + i}`,
      accountNumber: `A${(i * 31) % 1_000_000}`,
      amount,
      currency: "KZT",
      phone: `+7701${String((i * 104729) % 10_000_000).padStart(7, "0")}`,
      checkoutToken: `tok_b${i}`,
      status,
      createdAt,
      paidAt: paid ? createdAt : null,
    });
    payments.push({
      id: `pay_b${String(i).padStart(7, "0")}`,
      orderId: `ord_b${i}`,
      attempt: 1,
      protocol: "ecom",
      kaspiExternalId: `kx-b${i}`,
      kaspiPaymentId: `KP${(5_000_000 + i * 13).toString(36).toUpperCase()}`,
      amount,
      status,
      refundedAmount: status === "REFUNDED" ? amount : status === "PARTIALLY_REFUNDED" ? Math.floor(amount / 2) : 0,
      createdAt,
      paidAt: paid ? createdAt : null,
    });
  }
  await client.order.createMany({ data: orders });
  await client.payment.createMany({ data: payments });
}
if (!REUSE)
  console.log(
    `seeded ${COUNT.toLocaleString("en")} orders + payments in ${((performance.now() - t0) / 1000).toFixed(1)} s (${file})`,
  );
await client.$executeRawUnsafe("ANALYZE");

async function time(label: string, fn: () => Promise<unknown>, runs = 7) {
  await fn(); // warm
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const median = ms[Math.floor(ms.length / 2)] ?? 0;
  console.log(
    `${label.padEnd(58)} median ${median.toFixed(1).padStart(7)} ms   worst ${(ms[ms.length - 1] ?? 0).toFixed(1).padStart(7)} ms`,
  );
}

const page = (f: Parameters<typeof listPayments>[2]) => () => paymentsView(client, STORE, f);
const today = almatyDay(new Date());
const first = await listPayments(client, STORE, {});
let deep: string | undefined = first.nextCursor ?? undefined;
for (let i = 0; i < 200 && deep; i++)
  deep = (await listPayments(client, STORE, { cursor: deep })).nextCursor ?? undefined;

console.log("\nlist page = one page of 50 rows + totals (count, paid sum, refunded sum) of the filtered set");
await time("first page, no filter", page({}));
await time("page 201 (cursor), no filter", page({ cursor: deep }));
await time("status=PAID", page({ status: "PAID" }));
await time("status=REFUNDED, last 7 days", page({ status: "REFUNDED", from: addDays(today, -6), to: today }));
await time("date range: one day", page({ from: addDays(today, -10), to: addDays(today, -10) }));
await time("search: exact Bitrix order id BX-150123", page({ q: "BX-150123" }));
await time("search: partial order id 5012", page({ q: "5012" }));
await time("search: phone typed 8 701 …", page({ q: "8 701 000 12" }));
await time("search: no match", page({ q: "nothing-matches" }));
await time("rows only (no totals), first page", () => listPayments(client, STORE, {}));
await time("totals only, no filter", () => paymentTotals(client, STORE, {}));
await time("overview (30 daily sums + conversion)", () => merchantOverview(client, STORE), 3);
await time(
  "CSV export of status=PAID (all rows, streamed)",
  async () => {
    const reader = paymentsCsvStream(client, STORE, { status: "PAID" }, ";").getReader();
    let bytes = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
    }
    return bytes;
  },
  1,
);
await disconnectDb();
