import { describe, expect, it } from "vitest";
import { GET as getStatusRoute } from "@/app/api/checkout/[token]/status/route";
import { db } from "@/lib/db";
import { newCheckoutToken, newId } from "@/lib/ids";

// A slow transaction must not stall every shopper's status poll. On SQLite writes are serialised
// (one writer connection), but plain reads use their own connection on the WAL file and see the
// last committed state at once; on PostgreSQL each request has its own pooled connection.

const HOLD_MS = 1_500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function poll(token: string): Promise<{ ms: number; status: string }> {
  const started = performance.now();
  const res = await getStatusRoute(new Request(`http://app.test/api/checkout/${token}/status`), {
    params: Promise.resolve({ token }),
  });
  const body = (await res.json()) as { status: string };
  return { ms: performance.now() - started, status: body.status };
}

describe("reads during a slow transaction", () => {
  it("status polls answer at once with the committed state, then see the commit", async () => {
    const token = newCheckoutToken();
    const id = newId("ord");
    await db().order.create({
      data: {
        id,
        externalId: `slow-${Date.now()}`,
        amount: 1000,
        currency: "KZT",
        checkoutToken: token,
        status: "PENDING",
      },
    });
    await poll(token); // warm the route and both connections

    let committedAt = 0;
    const slow = db().$transaction(async (tx) => {
      await tx.order.update({ where: { id }, data: { status: "PAID" } });
      await sleep(HOLD_MS);
      committedAt = performance.now();
    });
    await sleep(100);
    const started = performance.now();
    const during = [];
    for (let i = 0; i < 5; i++) during.push(await poll(token));
    const pollsDone = performance.now();
    await slow;

    // All five polls were answered while the transaction was still open, from the committed state.
    expect(pollsDone).toBeLessThan(committedAt);
    expect(pollsDone - started).toBeLessThan(HOLD_MS / 2);
    expect(during.map((p) => p.status)).toEqual(Array(5).fill("PENDING"));
    expect((await poll(token)).status).toBe("PAID");
  });

  it("a write during the transaction is not lost and lands after it", async () => {
    const id = newId("ord");
    const other = newId("ord");
    const order = (oid: string) => ({
      id: oid,
      externalId: `w-${oid}`,
      amount: 1000,
      currency: "KZT",
      checkoutToken: newCheckoutToken(),
      status: "CREATED",
    });
    await db().order.create({ data: order(id) });
    const slow = db().$transaction(async (tx) => {
      await tx.order.update({ where: { id }, data: { status: "PENDING" } });
      await sleep(300);
    });
    await sleep(50);
    await db().order.create({ data: order(other) });
    await slow;
    expect((await db().order.findUniqueOrThrow({ where: { id } })).status).toBe("PENDING");
    expect(await db().order.findUnique({ where: { id: other } })).not.toBeNull();
  });
});
