import Database from "better-sqlite3";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { SANDBOX_WEBKASSA } from "@/lib/fiscal/settings";
import { addWebkassaFault, clearWebkassaFaults } from "@/lib/sandbox/webkassa/webkassa-faults";
import { resetSimulatorConcurrency, simulatorConcurrency } from "@/lib/sandbox/webkassa/webkassa-simulator";
import { Cluster } from "@/scripts/instances/cluster";
import { decide, intake, postCallback, startPayment, waitFor } from "@/scripts/reliability/client";
import { pool, sleep } from "@/scripts/reliability/support";
import { ensureBuild } from "../support/processes";
import { WebkassaServer } from "../support/webkassa-server";

// Fiscal receipts across real app instances (`server.mjs` processes on one database, SQLite here or
// PostgreSQL with TEST_DATABASE_URL_PG) and one Webkassa (the simulator in this test process, its
// records in this file's database): both instances' workers send receipts, yet every payment gets
// exactly one, one request at a time reaches the register, and an instance SIGKILLed while its
// request is inside Webkassa loses nothing and duplicates nothing. Ports 3490–3492.

const webkassa = new WebkassaServer();
let cluster: Cluster;
const A = 0;
const B = 1;

type Row = Record<string, unknown>;

/** Rows of the cluster's database (PostgreSQL through the cluster, SQLite read-only from the file). */
async function rows(sql: string, params: unknown[]): Promise<Row[]> {
  if (cluster.postgres) {
    let n = 0;
    return cluster.query<Row>(
      sql.replace(/\?/g, () => `$${++n}`),
      params,
    );
  }
  const file = new Database(cluster.databaseUrl.slice("file:".length), { readonly: true });
  try {
    return file.prepare(sql).all(...params) as Row[];
  } finally {
    file.close();
  }
}

const receiptsOf = (externalId: string) =>
  rows(
    `select r.status, r."externalCheckNumber" as ecn, r.attempts, r."sentAt" as "sentAt" from "FiscalReceipt" r join "Order" o on o.id = r."orderId" where o."externalId" = ?`,
    [externalId],
  );
/** What "Webkassa" registered for the order (ExternalOrderNumber is the externalId without an account number). */
const checksOf = (externalId: string) =>
  db().sandboxWebkassaCheck.findMany({ where: { request: { contains: `"${externalId}"` } } });

async function paidViaCallbacks(externalId: string, copies: number) {
  const order = await intake(cluster.on(A), externalId, 4_200);
  if (!order) throw new Error(`intake of ${externalId} failed`);
  const started = await startPayment(cluster.on(B), order.token);
  if (!started) throw new Error(`checkout of ${externalId} failed`);
  expect(await decide(cluster.on(B), started.kaspiPaymentId, "confirm", { skipCallback: true })).toBe("COMPLETED");
  // Kaspi retries a callback that was not acknowledged (503 while its status could not be read, 429
  // past the queue, no answer at all within 30 s on a loaded machine): so does this test, a few
  // times, and then every copy must be acknowledged.
  const send = async (i: number) => {
    let answer = await postCallback(cluster.on(i % 2 === 0 ? A : B), {
      paymentId: started.kaspiPaymentId,
      externalId,
      status: "COMPLETED",
    });
    for (let retry = 0; retry < 5 && [0, 429, 503].includes(answer.status); retry++) {
      await sleep(1_000);
      answer = await postCallback(cluster.on(i % 2 === 0 ? A : B), {
        paymentId: started.kaspiPaymentId,
        externalId,
        status: "COMPLETED",
      });
    }
    return answer;
  };
  const answers = await pool(
    Array.from({ length: copies }, (_, i) => i),
    20,
    send,
  );
  expect(
    answers.map((a) => a.status),
    JSON.stringify(answers.filter((a) => a.status !== 200)),
  ).toEqual(answers.map(() => 200));
  return { ...order, externalId };
}

describe("fiscal receipts on two instances", () => {
  beforeAll(async () => {
    await webkassa.start(3492);
    await ensureBuild();
    cluster = new Cluster({
      ...(process.env.TEST_DATABASE_URL_PG ? { postgresServer: process.env.TEST_DATABASE_URL_PG } : {}),
      instances: 2,
      ports: [3490, 3491, 3493],
      env: {
        FISCAL_PROVIDER: "webkassa",
        WEBKASSA_BASE_URL: webkassa.url,
        WEBKASSA_API_KEY: SANDBOX_WEBKASSA.apiKey,
        WEBKASSA_LOGIN: SANDBOX_WEBKASSA.login,
        WEBKASSA_PASSWORD: SANDBOX_WEBKASSA.password,
        WEBKASSA_CASHBOX_ID: SANDBOX_WEBKASSA.cashboxId,
        // The lease outlives one request by 10 s: a killed holder's register is free 13 s later.
        WEBKASSA_TIMEOUT_MS: "3000",
        FISCAL_NOTIFY_WAIT_SECONDS: "5",
      },
    });
    await cluster.start();
  }, 300_000);
  afterAll(async () => {
    await cluster?.stop();
    await webkassa.stop();
  }, 60_000);
  beforeEach(async () => {
    await clearWebkassaFaults(db());
  });

  it("100 duplicate callbacks split over both instances, both workers running: one receipt, one request at a time", async () => {
    resetSimulatorConcurrency();
    const run = `fis-${Date.now().toString(36)}`;
    const orders = await Promise.all([0, 1, 2].map((i) => paidViaCallbacks(`${run}-${i}`, i === 0 ? 100 : 10)));
    for (const o of orders) {
      expect(
        await waitFor(async () => (await receiptsOf(o.externalId))[0]?.status === "ISSUED", 30_000),
        o.externalId,
      ).toBe(true);
    }
    await sleep(2_000); // several more worker rounds on both: a second receipt would show now
    for (const o of orders) {
      const receipts = await receiptsOf(o.externalId);
      expect(receipts).toHaveLength(1);
      const checks = await checksOf(o.externalId);
      expect(checks).toHaveLength(1);
      expect(checks[0]?.externalCheckNumber).toBe(receipts[0]?.ecn);
    }
    // The simulator answers a second request to the register while one runs with 9: none came.
    expect(simulatorConcurrency().maxInFlight).toBe(1);
    // Bitrix was told once, with the receipt's link.
    expect(await waitFor(() => cluster.bitrix.count(orders[0]?.externalId ?? "") >= 1, 20_000)).toBe(true);
  }, 180_000);

  it("both instances SIGKILLed while the receipt request is inside Webkassa: restarted, the receipt is found, never made twice", async () => {
    const externalId = `fis-kill-${Date.now().toString(36)}`;
    // Webkassa registers the receipt, then holds its answer for 8 s (longer than the 3 s timeout too).
    await addWebkassaFault(db(), { operation: "check", kind: "hold", delayMs: 8_000, count: 1 });
    await paidViaCallbacks(externalId, 2);
    expect(
      await waitFor(async () => (await checksOf(externalId)).length === 1, 60_000),
      "the receipt reached Webkassa",
    ).toBe(true);
    // The request is in flight: kill every instance now (whichever holds the lease dies mid-request).
    await Promise.all(cluster.apps.map((app) => app.kill("SIGKILL")));
    const [pending] = await receiptsOf(externalId);
    expect(pending?.status).toBe("PENDING");
    expect(pending?.sentAt, "sentAt was written before the request").not.toBeNull();

    await Promise.all(cluster.apps.map((app) => app.start()));
    // The dead holder's lease runs out (≤ 13 s), then a worker looks the receipt up and records it.
    expect(await waitFor(async () => (await receiptsOf(externalId))[0]?.status === "ISSUED", 60_000)).toBe(true);
    await sleep(1_500);
    expect(await checksOf(externalId)).toHaveLength(1);
    const [issued] = await receiptsOf(externalId);
    expect(issued?.ecn).toBe((await checksOf(externalId))[0]?.externalCheckNumber);
    expect(Number(issued?.attempts), "found by lookup, not sent a second time").toBe(1);
  }, 180_000);
});
