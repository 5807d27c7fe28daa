import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPaymentDeps } from "@/lib/container";
import { db, isPostgresUrl, type Db } from "@/lib/db";
import { postgresClient } from "@/lib/db-postgres";
import { newCheckoutToken, newId } from "@/lib/ids";
import type { KaspiGateway, KaspiPaymentState, KaspiResult } from "@/lib/kaspi/gateway";
import { deliverDueNotifications } from "@/lib/outbox/delivery";
import { applyKaspiStatus } from "@/lib/payments/apply-status";
import { pollQrPayments } from "@/lib/payments/qr-poll-use-case";
import { reconcileDuePayments } from "@/lib/payments/reconcile-use-case";

// The leases of the outbox, the reconciler and the QR poller, and the guarded PAID transition,
// under real concurrency: four "instances" (on PostgreSQL each its own client and pool, as
// separate processes have) run the real use cases at once on one database. Every row must be
// worked on exactly once. tests/instances/ does the same with real processes.

const INSTANCES = 4;
const ROWS = 24;
const url = process.env.DATABASE_URL ?? "";
let instances: { client: Db; close: () => Promise<void> }[] = [];

beforeAll(() => {
  instances = Array.from({ length: INSTANCES }, () => {
    if (isPostgresUrl(url)) {
      const client = postgresClient({
        url,
        poolSize: 3,
        statementTimeoutMs: 10_000,
        connectTimeoutMs: 10_000,
        transactionTimeoutMs: 30_000,
      });
      return { client: client as unknown as Db, close: () => client.$disconnect() };
    }
    // SQLite: better-sqlite3 waits for a busy file synchronously, so two writer connections in
    // one thread would block each other; separate processes are what the reliability suite runs.
    // Here the instances share this process's client, and the leases are still raced at every await.
    return { client: db(), close: async () => undefined };
  });
});
afterAll(async () => {
  await Promise.all(instances.map((i) => i.close()));
});

async function seed(tag: string, payment: Record<string, unknown>) {
  const ids: { orderId: string; paymentId: string; externalId: string }[] = [];
  for (let i = 0; i < ROWS; i++) {
    const orderId = newId("ord");
    const paymentId = newId("pay");
    const externalId = `${tag}-${process.pid}-${Date.now()}-${i}`;
    await db().order.create({
      data: {
        id: orderId,
        externalId,
        amount: 1000,
        currency: "KZT",
        checkoutToken: newCheckoutToken(),
        status: "PENDING",
      },
    });
    await db().payment.create({
      data: {
        id: paymentId,
        orderId,
        attempt: 1,
        protocol: "ecom",
        kaspiExternalId: externalId,
        kaspiPaymentId: `k-${externalId}`,
        amount: 1000,
        status: "PENDING",
        nextCheckAt: new Date(Date.now() - 1000),
        expiresAt: new Date(Date.now() + 600_000),
        ...payment,
      },
    });
    ids.push({ orderId, paymentId, externalId });
  }
  return ids;
}

/** A Kaspi that says "pending" and counts the status reads per payment. */
function countingGateway(protocol: "ecom" | "qr") {
  const reads = new Map<string, number>();
  const gateway = {
    protocol,
    refundSupport: { supported: false, reason: "test" },
    createPayment: () => Promise.reject(new Error("not used")),
    async getPayment(kaspiPaymentId: string): Promise<KaspiResult<KaspiPaymentState>> {
      reads.set(kaspiPaymentId, (reads.get(kaspiPaymentId) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 5));
      const rawStatus = protocol === "qr" ? "QrTokenCreated" : "PENDING";
      return { ok: true, value: { kaspiPaymentId, status: "PENDING", rawStatus } };
    },
    refund: () => Promise.reject(new Error("not used")),
  } as unknown as KaspiGateway;
  return { gateway, reads };
}

const everyInstance = <T>(fn: (client: Db) => Promise<T>) => Promise.all(instances.map((i) => fn(i.client)));

describe(`leases under real concurrency (${isPostgresUrl(url) ? "PostgreSQL" : "SQLite"})`, () => {
  it("the outbox: every notification is delivered once, whichever instance sends it", async () => {
    const rows = await seed("obx", { status: "PAID", nextCheckAt: null });
    for (const r of rows) {
      await db().outbox.create({
        data: {
          id: newId("obx"),
          orderId: r.orderId,
          paymentId: r.paymentId,
          event: "payment.paid",
          payload: JSON.stringify({ event: "payment.paid", externalId: r.externalId }),
          nextAttemptAt: new Date(Date.now() - 1000),
        },
      });
    }
    const received = new Map<string, number>();
    const server: Server = createServer((req, res) => {
      let raw = "";
      req.on("data", (c: Buffer) => (raw += c.toString()));
      req.on("end", () => {
        const { externalId } = JSON.parse(raw) as { externalId: string };
        received.set(externalId, (received.get(externalId) ?? 0) + 1);
        // A slow Bitrix widens the window in which another instance could pick the row up.
        setTimeout(() => res.writeHead(200).end("{}"), 20);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const notifyUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
    try {
      for (let round = 0; round < 5; round++) {
        await everyInstance((client) =>
          deliverDueNotifications(client, { notifyUrl, secret: "s".repeat(32) }, `w-${newId("w")}`),
        );
      }
    } finally {
      server.close();
    }
    expect(received.size).toBe(ROWS);
    expect([...received.values()].every((n) => n === 1)).toBe(true);
    const undelivered = await db().outbox.count({
      where: { deliveredAt: null, orderId: { in: rows.map((r) => r.orderId) } },
    });
    expect(undelivered).toBe(0);
  });

  it("the reconciler: one Kaspi status read per due payment across instances", async () => {
    const rows = await seed("rec", {});
    const { gateway, reads } = countingGateway("ecom");
    await everyInstance((client) => reconcileDuePayments({ ...startPaymentDeps(), db: client, gateway }));
    expect(reads.size).toBe(ROWS);
    expect(rows.every((r) => reads.get(`k-${r.externalId}`) === 1)).toBe(true);
  });

  it("the QR poller: one payment/status call per due payment across instances", async () => {
    const rows = await seed("qrp", {
      protocol: "qr",
      kaspiMeta: JSON.stringify({ protocol: "qr", presentation: "qr", pollIntervalMs: 60_000 }),
    });
    const { gateway, reads } = countingGateway("qr");
    // More rows than one batch: a second round takes the rest.
    for (let round = 0; round < 2; round++) await everyInstance((client) => pollQrPayments(client, gateway));
    expect(reads.size).toBe(ROWS);
    expect(rows.every((r) => reads.get(`k-${r.externalId}`) === 1)).toBe(true);
  });

  it("the PAID transition: 100 concurrent applications from all instances make one change and one outbox row", async () => {
    const [row] = await seed("paid", {});
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        applyKaspiStatus(instances[i % INSTANCES]!.client, {
          paymentId: row!.paymentId,
          to: "PAID",
          source: "kaspi.api",
        }),
      ),
    );
    expect(results.filter((r) => r.changed)).toHaveLength(1);
    expect(await db().outbox.count({ where: { paymentId: row!.paymentId } })).toBe(1);
    expect(await db().paymentEvent.count({ where: { paymentId: row!.paymentId, type: "status.changed" } })).toBe(1);
    expect((await db().order.findUniqueOrThrow({ where: { id: row!.orderId } })).status).toBe("PAID");
  });
});
