// npm run bench:instances [-- --orders=300 --payments=100 --duplicates=3 --concurrency=16]
//
// Throughput of one instance vs two on one database, SQLite vs PostgreSQL (the latter when
// TEST_DATABASE_URL_PG names a server): signed order intakes per second, and verified Kaspi
// callbacks per second (each callback is checked with Kaspi — the sandbox — by GET before it is
// applied; duplicates spread over the instances). Then the truth from the database and the Bitrix
// stand-in: every payment PAID with exactly one transition and one notification (0 lost, 0
// duplicated). Prints a table; exits non-zero if anything was lost or duplicated. Ports 3490–3493.
import Database from "better-sqlite3";
import { Cluster } from "./instances/cluster";
import { decide, intake, postCallback, startPayment, waitFor } from "./reliability/client";
import { pool, sleep } from "./reliability/support";

const arg = (name: string, def: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? def);
const ORDERS = arg("orders", 300);
const PAYMENTS = arg("payments", 100);
const DUPLICATES = arg("duplicates", 3);
const CONCURRENCY = arg("concurrency", 16);

type Row = {
  database: string;
  instances: number;
  ordersPerSecond: number;
  callbacksPerSecond: number;
  lost: number;
  duplicated: number;
  errors: number;
};

/** Per order of this run: its status and how many times it became PAID. */
async function truth(cluster: Cluster, prefix: string): Promise<{ ext: string; status: string; paid: number }[]> {
  // prefix is made below from [a-z0-9-] only; it is still passed as a parameter.
  const sql = `select o."externalId" as ext, o.status as status,
      (select count(*) from "PaymentEvent" e where e."orderId" = o.id and e.type = 'status.changed'
         and e.message like '%→ PAID') as paid
    from "Order" o where o."externalId" like `;
  if (cluster.postgres) {
    const rows = await cluster.query<{ ext: string; status: string; paid: string }>(`${sql} $1`, [`${prefix}%`]);
    return rows.map((r) => ({ ...r, paid: Number(r.paid) }));
  }
  const db = new Database(cluster.databaseUrl.replace(/^file:/, ""), { readonly: true, timeout: 15_000 });
  try {
    return (db.prepare(`${sql} ?`).all(`${prefix}%`) as { ext: string; status: string; paid: number }[]).map((r) => ({
      ...r,
      paid: Number(r.paid),
    }));
  } finally {
    db.close();
  }
}

async function measure(postgresServer: string | undefined, instances: number): Promise<Row> {
  const cluster = new Cluster({ postgresServer, instances, ports: [3490, 3491, 3492].slice(0, instances + 1) });
  const label = postgresServer ? "PostgreSQL" : "SQLite";
  console.log(`[bench] ${label}, ${instances} instance(s)…`);
  await cluster.start();
  const run = `b${Date.now().toString(36)}`;
  let errors = 0;
  try {
    // Intake: ORDERS signed POST /api/orders, round-robin over the instances.
    const t0 = performance.now();
    await pool(
      Array.from({ length: ORDERS }, (_, i) => i),
      CONCURRENCY,
      async (i) => {
        if (!(await intake(cluster.on(i % instances), `${run}-o-${i}`, 1000 + i, 10_000))) errors++;
      },
    );
    const ordersPerSecond = ORDERS / ((performance.now() - t0) / 1000);

    // Payments to call back about (not timed): checkout and the shopper's confirmation in Kaspi.
    const paid = await pool(
      Array.from({ length: PAYMENTS }, (_, i) => i),
      CONCURRENCY,
      async (i) => {
        const ctx = cluster.on(i % instances);
        const order = await intake(ctx, `${run}-p-${i}`, 2000 + i);
        const started = order && (await startPayment(ctx, order.token));
        if (!started) return null;
        await decide(ctx, started.kaspiPaymentId, "confirm", { skipCallback: true });
        return { externalId: `${run}-p-${i}`, paymentId: started.kaspiPaymentId };
      },
    );
    const calls = paid.flatMap((p, i) =>
      p ? Array.from({ length: DUPLICATES }, (_, d) => ({ ...p, instance: (i + d) % instances })) : [],
    );
    errors += paid.filter((p) => !p).length;
    // Callbacks: DUPLICATES per payment, spread over the instances, all verified by a GET to Kaspi.
    const t1 = performance.now();
    await pool(calls, CONCURRENCY, async (c) => {
      const res = await postCallback(cluster.on(c.instance), {
        paymentId: c.paymentId,
        externalId: c.externalId,
        status: "COMPLETED",
      });
      if (res.status !== 200) errors++;
    });
    const callbacksPerSecond = calls.length / ((performance.now() - t1) / 1000);

    const ids = paid.flatMap((p) => (p ? [p.externalId] : []));
    await waitFor(() => ids.every((id) => cluster.bitrix.count(id) >= 1), 60_000, 500);
    await sleep(2_000); // a second delivery of anything would show by now
    const rows = new Map((await truth(cluster, `${run}-p-`)).map((r) => [r.ext, r]));
    let lost = 0;
    let duplicated = 0;
    for (const id of ids) {
      const r = rows.get(id);
      if (!r || r.status !== "PAID" || cluster.bitrix.count(id) < 1) lost++;
      if ((r?.paid ?? 0) > 1 || cluster.bitrix.count(id) > 1) duplicated++;
    }
    return { database: label, instances, ordersPerSecond, callbacksPerSecond, lost, duplicated, errors };
  } finally {
    await cluster.stop();
  }
}

const server = process.env.TEST_DATABASE_URL_PG;
const rows: Row[] = [];
for (const pgServer of server ? [undefined, server] : [undefined]) {
  for (const instances of [1, 2]) rows.push(await measure(pgServer, instances));
}

const head = ["database", "instances", "orders/s", "verified callbacks/s", "lost", "duplicated", "errors"];
const body = rows.map((r) => [
  r.database,
  String(r.instances),
  r.ordersPerSecond.toFixed(1),
  r.callbacksPerSecond.toFixed(1),
  String(r.lost),
  String(r.duplicated),
  String(r.errors),
]);
const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
console.log(
  `\nbench:instances — ${ORDERS} intakes, ${PAYMENTS} payments × ${DUPLICATES} callbacks, ${CONCURRENCY} in flight\n`,
);
console.log([line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)].join("\n"));
if (!server) console.log("\n(PostgreSQL rows: set TEST_DATABASE_URL_PG to a server URL)");
process.exitCode = rows.some((r) => r.lost || r.duplicated) ? 1 : 0;
