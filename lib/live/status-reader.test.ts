import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { createOrder } from "@/tests/helpers";
import { db } from "../db";
import { env } from "../env";
import { readCheckoutStatus } from "../payments/checkout-status";
import { closeStatusReader, readStatusSnapshot } from "./status-reader";

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
      await new Promise((r) => setTimeout(r, 60));
      writer.exec("COMMIT");
      writer.close();
      expect((await read)?.orderId).toBe(order.orderId);
      clearInterval(ticking);
      expect(ticks).toBeGreaterThan(3);
    },
  );
});
