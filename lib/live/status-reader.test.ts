import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { createOrder } from "@/tests/helpers";
import { db } from "../db";
import { env } from "../env";
import { readCheckoutStatus } from "../payments/checkout-status";
import { LOCK_FREE_STATEMENTS, closeStatusReader, readCallbackPayment, readStatusSnapshot } from "./status-reader";

afterAll(() => closeStatusReader());

describe("readStatusSnapshot (read-only SQLite connection)", () => {
  it("reads what the Prisma path reads, plus the order id", async () => {
    const order = await createOrder();
    await db().order.update({
      where: { id: order.orderId },
      data: {
        status: "PENDING",
        kaspiStage: "awaiting_confirmation",
        kaspiLoan: JSON.stringify({ offerName: "Red", term: 3 }),
      },
    });
    const snapshot = await readStatusSnapshot(order.token);
    expect(snapshot).toEqual({ orderId: order.orderId, view: await readCheckoutStatus(db(), order.token) });
    expect(snapshot?.view).toMatchObject({
      status: "PENDING",
      stage: "awaiting_confirmation",
      loan: { offerName: "Red", term: 3 },
    });
  });

  // The hand-written SQL must name real columns: a rename in schema.prisma fails here, not in
  // production (where the reader would quietly fall back to the Prisma path).
  it.skipIf(!env().DATABASE_URL.startsWith("file:"))("every statement prepares on the migrated schema", () => {
    const connection = new Database(env().DATABASE_URL.slice("file:".length), { readonly: true });
    try {
      for (const sql of LOCK_FREE_STATEMENTS) expect(() => connection.prepare(sql), sql).not.toThrow();
    } finally {
      connection.close();
    }
  });

  it("reads a callback's payment as the Prisma path does", async () => {
    const order = await createOrder();
    const payment = await db().payment.create({
      data: {
        id: `pay_reader_${order.orderId}`,
        orderId: order.orderId,
        kaspiPaymentId: `kp_reader_${order.orderId}`,
        kaspiExternalId: `ext_reader_${order.orderId}`,
        attempt: 1,
        protocol: "ecom",
        status: "PENDING",
        amount: order.amount,
      },
    });
    const viaPrisma = await db().payment.findUnique({
      where: { id: payment.id },
      select: { id: true, orderId: true, kaspiPaymentId: true, kaspiExternalId: true, status: true, amount: true, storeId: true },
    });
    expect(await readCallbackPayment(payment.kaspiPaymentId ?? "")).toEqual(viaPrisma);
  });

  it("answers null for an unknown token", async () => {
    expect(await readStatusSnapshot("no-such-token-000000")).toBeNull();
  });

  // SQLite's file lock (on PostgreSQL the Prisma path answers, with no such lock).
  it.skipIf(!env().DATABASE_URL.startsWith("file:"))(
    "waits out a writer's lock without blocking the event loop",
    async () => {
      const order = await createOrder();
      const writer = new Database(env().DATABASE_URL.slice("file:".length));
      writer.exec("BEGIN EXCLUSIVE");
      const read = readStatusSnapshot(order.token);
      let ticks = 0;
      const ticking = setInterval(() => ticks++, 5);
      await new Promise((r) => setTimeout(r, 250));
      writer.exec("COMMIT");
      writer.close();
      expect((await read)?.orderId).toBe(order.orderId);
      clearInterval(ticking);
      // A blocked loop would tick at most once (after the lock); a free one ticks every 5 ms. The lock is held
      // 250 ms so that a loaded machine, whose timers fire late, still shows the difference.
      expect(ticks).toBeGreaterThan(3);
    },
  );
});
