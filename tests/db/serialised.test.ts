import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { newCheckoutToken, newId } from "@/lib/ids";

// One SQLite connection per process: a write made while another request's transaction is open
// must not join that transaction (and vanish when it rolls back).

const order = (externalId: string) => ({
  id: newId("ord"),
  externalId,
  amount: 1000,
  currency: "KZT",
  checkoutToken: newCheckoutToken(),
  status: "CREATED",
});

describe("db()", () => {
  it("a write outside a transaction survives that transaction's rollback", async () => {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const rolledBack = db()
      .$transaction(async (tx) => {
        await tx.order.create({ data: order(`rollback-${Date.now()}`) });
        await sleep(300);
        throw new Error("roll back");
      })
      .catch(() => "rolled back");
    await sleep(100);
    const outside = `outside-${Date.now()}`;
    await db().order.create({ data: order(outside) });
    expect(await rolledBack).toBe("rolled back");
    expect(await db().order.findFirst({ where: { externalId: outside } })).not.toBeNull();
  });

  it("queries made inside a transaction's callback through db() do not deadlock", async () => {
    const id = `inside-${Date.now()}`;
    await db().$transaction(async (tx) => {
      await tx.order.create({ data: order(id) });
      await db().order.count();
    });
    expect(await db().order.findFirst({ where: { externalId: id } })).not.toBeNull();
  });
});
