import { beforeEach, describe, expect, it } from "vitest";
import { latestPayment, orderRow, outboxOf } from "@/tests/support/order-rows";
import { createFakeKaspiGateway } from "@/tests/support/fake-kaspi-gateway";
import { eventTypes, seedPendingPayment, useCaseDeps, type Deps } from "@/tests/support/use-case-fixtures";
import { CallbackRounds, GAP_MS, RECHECK_MS } from "./callback-coalescing";
import { handleKaspiCallback } from "./handle-callback-use-case";

// The callback use case on a real SQLite file: a callback only says "look at this payment";
// Kaspi's GET (the fake) decides, and must agree on externalId and amount.

let deps: Deps;
beforeEach(() => {
  deps = useCaseDeps(createFakeKaspiGateway());
});

const callback = (paymentId: string, externalId: string, status: string) => ({
  data: { paymentId, externalId, status },
});

async function pending() {
  const seeded = await seedPendingPayment(deps);
  return { ...seeded, externalId: seeded.payment.kaspiExternalId };
}

describe("handleKaspiCallback", () => {
  it("an unknown Kaspi payment id is rejected like a forged callback, and Kaspi is not asked", async () => {
    const res = await handleKaspiCallback(deps, callback("no-such-payment", "x", "COMPLETED"));
    expect(res).toEqual({ ok: true, value: { kind: "rejected", reason: "unknown paymentId" } });
    expect(deps.gateway.calls.getPayment).toBe(0);
  });

  it("COMPLETED confirmed by Kaspi's GET pays the order and queues one payment.paid", async () => {
    const { order, payment, kaspiPaymentId, externalId } = await pending();
    deps.gateway.setStatus(kaspiPaymentId, "PAID");
    const res = await handleKaspiCallback(deps, callback(kaspiPaymentId, externalId, "COMPLETED"));
    expect(res).toEqual({
      ok: true,
      value: { kind: "applied", result: { changed: true, from: "PENDING", to: "PAID" } },
    });
    expect(deps.gateway.calls.getPayment).toBe(1);
    const row = await orderRow(order.orderId);
    expect(row.status).toBe("PAID");
    expect((await latestPayment(order.orderId)).status).toBe("PAID");
    const outbox = await outboxOf(order.orderId);
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ paymentId: payment.id, event: "payment.paid", deliveredAt: null });
    expect(JSON.parse(outbox[0]?.payload ?? "{}")).toEqual({
      event: "payment.paid",
      externalId: order.externalId,
      orderId: order.orderId,
      amount: order.amount,
      kaspiPaymentId,
      paidAt: row.paidAt?.toISOString(),
      // The fixtures take orders in sandbox: the receiver must be able to tell test money from real.
      mode: "sandbox",
    });
    expect(await eventTypes(order.orderId)).toEqual(
      expect.arrayContaining(["callback.received", "verification.result", "status.changed"]),
    );
  });

  it("a duplicate after payment is answered without asking Kaspi again and changes nothing", async () => {
    const { order, kaspiPaymentId, externalId } = await pending();
    deps.gateway.setStatus(kaspiPaymentId, "PAID");
    await handleKaspiCallback(deps, callback(kaspiPaymentId, externalId, "COMPLETED"));
    const res = await handleKaspiCallback(deps, callback(kaspiPaymentId, externalId, "COMPLETED"));
    expect(res).toEqual({ ok: true, value: { kind: "applied", result: { changed: false, current: "PAID" } } });
    expect(deps.gateway.calls.getPayment).toBe(1);
    expect(await outboxOf(order.orderId)).toHaveLength(1);
  });

  it("concurrent copies of one callback make one transition and one notification", async () => {
    const { order, kaspiPaymentId, externalId } = await pending();
    deps.gateway.setStatus(kaspiPaymentId, "PAID");
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => handleKaspiCallback(deps, callback(kaspiPaymentId, externalId, "COMPLETED"))),
    );
    const changed = answers.filter((a) => a.ok && a.value.kind === "applied" && a.value.result.changed);
    expect(changed).toHaveLength(1);
    expect(await outboxOf(order.orderId)).toHaveLength(1);
    expect((await eventTypes(order.orderId)).filter((t) => t === "status.changed")).toHaveLength(1);
  });

  it("an externalId that is not the payment's is rejected before Kaspi is asked", async () => {
    const { order, kaspiPaymentId } = await pending();
    deps.gateway.setStatus(kaspiPaymentId, "PAID");
    const res = await handleKaspiCallback(deps, callback(kaspiPaymentId, "someone-else", "COMPLETED"));
    expect(res).toEqual({ ok: true, value: { kind: "rejected", reason: "externalId does not match the payment" } });
    expect(deps.gateway.calls.getPayment).toBe(0);
    expect((await orderRow(order.orderId)).status).toBe("PENDING");
    expect(await eventTypes(order.orderId)).toContain("callback.rejected");
  });

  it("a forged COMPLETED while Kaspi still says pending is rejected", async () => {
    const { order, kaspiPaymentId, externalId } = await pending();
    const res = await handleKaspiCallback(deps, callback(kaspiPaymentId, externalId, "COMPLETED"));
    expect(res).toMatchObject({ ok: true, value: { kind: "rejected" } });
    expect((await orderRow(order.orderId)).status).toBe("PENDING");
    expect(await outboxOf(order.orderId)).toHaveLength(0);
  });

  it("a pending callback that Kaspi confirms as pending changes nothing", async () => {
    const { order, kaspiPaymentId, externalId } = await pending();
    const res = await handleKaspiCallback(deps, callback(kaspiPaymentId, externalId, "WAIT"));
    expect(res).toEqual({ ok: true, value: { kind: "applied", result: { changed: false, current: "PENDING" } } });
    expect((await orderRow(order.orderId)).status).toBe("PENDING");
  });

  it("Kaspi paid for another amount: rejected, the order is not paid", async () => {
    const { order, kaspiPaymentId, externalId } = await pending();
    deps.gateway.setStatus(kaspiPaymentId, "PAID");
    deps.gateway.setAmount(kaspiPaymentId, order.amount - 1);
    const res = await handleKaspiCallback(deps, callback(kaspiPaymentId, externalId, "COMPLETED"));
    expect(res).toMatchObject({ ok: true, value: { kind: "rejected" } });
    expect((await orderRow(order.orderId)).status).toBe("PENDING");
    expect(await outboxOf(order.orderId)).toHaveLength(0);
  });

  it("Kaspi not answering is KASPI_UNAVAILABLE (Kaspi retries) and nothing changes", async () => {
    const { order, kaspiPaymentId, externalId } = await pending();
    deps.gateway.setStatus(kaspiPaymentId, "PAID");
    deps.gateway.failNextGet();
    const res = await handleKaspiCallback(deps, callback(kaspiPaymentId, externalId, "COMPLETED"));
    expect(res).toMatchObject({ ok: false, error: { code: "KASPI_UNAVAILABLE" } });
    expect((await orderRow(order.orderId)).status).toBe("PENDING");
    expect(await eventTypes(order.orderId)).toContain("verification.failed");
  });

  it("a late FAILED for a payment Kaspi calls paid: Kaspi's answer is applied, the contradiction recorded", async () => {
    const { order, kaspiPaymentId, externalId } = await pending();
    deps.gateway.setStatus(kaspiPaymentId, "PAID");
    const res = await handleKaspiCallback(deps, callback(kaspiPaymentId, externalId, "FAILED"));
    expect(res).toMatchObject({ ok: true, value: { kind: "applied", result: { changed: true, to: "PAID" } } });
    expect((await orderRow(order.orderId)).status).toBe("PAID");
    expect(await eventTypes(order.orderId)).toContain("callback.contradicted");
  });

  it("Kaspi's FAILED is applied to the payment and the order, with no notification", async () => {
    const { order, kaspiPaymentId, externalId } = await pending();
    deps.gateway.setStatus(kaspiPaymentId, "FAILED");
    const res = await handleKaspiCallback(deps, callback(kaspiPaymentId, externalId, "FAILED"));
    expect(res).toMatchObject({ ok: true, value: { kind: "applied", result: { changed: true, to: "FAILED" } } });
    expect((await orderRow(order.orderId)).status).toBe("FAILED");
    expect(await outboxOf(order.orderId)).toHaveLength(0);
  });
});

describe("handleKaspiCallback — a flood for one payment", () => {
  const flood = (n: number, kaspiPaymentId: string, externalId: string, status: string, rounds: CallbackRounds) =>
    Promise.all(
      Array.from({ length: n }, () =>
        handleKaspiCallback({ ...deps, rounds }, callback(kaspiPaymentId, externalId, status)),
      ),
    );

  it("forged COMPLETED ×50 while Kaspi says pending: one Kaspi read, one note, nothing paid", async () => {
    const rounds = new CallbackRounds({ gapMs: 60_000, recheckMs: 60_000 });
    const { order, kaspiPaymentId, externalId } = await pending();
    const answers = await flood(50, kaspiPaymentId, externalId, "COMPLETED", rounds);
    expect(answers.every((a) => a.ok)).toBe(true);
    expect(answers.filter((a) => a.ok && a.value.kind === "rejected")).toHaveLength(1);
    expect(answers.filter((a) => a.ok && a.value.kind === "deferred")).toHaveLength(49);
    expect(deps.gateway.calls.getPayment).toBe(1);
    const types = await eventTypes(order.orderId);
    expect(types.filter((t) => t === "callback.rejected")).toHaveLength(1);
    expect((await orderRow(order.orderId)).status).toBe("PENDING");
  });

  it("a callback deferred inside the gap is still verified: Kaspi confirmed meanwhile → PAID by the scheduled round", async () => {
    const rounds = new CallbackRounds({ gapMs: 200 });
    const { order, payment, kaspiPaymentId, externalId } = await pending();
    const first = await handleKaspiCallback({ ...deps, rounds }, callback(kaspiPaymentId, externalId, "COMPLETED"));
    expect(first).toMatchObject({ ok: true, value: { kind: "rejected" } });
    deps.gateway.setStatus(kaspiPaymentId, "PAID");
    const second = await handleKaspiCallback({ ...deps, rounds }, callback(kaspiPaymentId, externalId, "COMPLETED"));
    expect(second).toMatchObject({ ok: true, value: { kind: "deferred" } });
    // Until the round runs, the database says when the reconciler must look (if this process died).
    const row = await latestPayment(order.orderId);
    expect(row.id).toBe(payment.id);
    expect(row.nextCheckAt?.getTime()).toBeLessThanOrEqual(Date.now() + 200);
    await waitUntil(async () => (await orderRow(order.orderId)).status === "PAID", 3_000);
    expect(deps.gateway.calls.getPayment).toBe(2);
    expect(await outboxOf(order.orderId)).toHaveLength(1);
  });

  it("a different claim is not held back by a recent round (a late COMPLETED after EXPIRED pays at once)", async () => {
    const rounds = new CallbackRounds({ gapMs: 60_000 });
    const { order, kaspiPaymentId, externalId } = await pending();
    deps.gateway.setStatus(kaspiPaymentId, "EXPIRED");
    await handleKaspiCallback({ ...deps, rounds }, callback(kaspiPaymentId, externalId, "EXPIRED"));
    deps.gateway.setStatus(kaspiPaymentId, "PAID");
    const res = await handleKaspiCallback({ ...deps, rounds }, callback(kaspiPaymentId, externalId, "COMPLETED"));
    expect(res).toMatchObject({ ok: true, value: { kind: "applied", result: { changed: true, to: "PAID" } } });
    expect((await orderRow(order.orderId)).status).toBe("PAID");
  });

  it("claims outside Kaspi's list share one round: varying the claim buys no extra reads", async () => {
    const rounds = new CallbackRounds({ gapMs: 60_000, recheckMs: 60_000 });
    const { kaspiPaymentId, externalId } = await pending();
    for (const status of ["X1", "X2", "X3", "X4"]) {
      await handleKaspiCallback({ ...deps, rounds }, callback(kaspiPaymentId, externalId, status));
    }
    expect(deps.gateway.calls.getPayment).toBe(1);
  });
});

// Issue 21, finding 5: a forged COMPLETED for a real payment (its id is in the shopper's link) is
// verified by a round that finds the payment open. The shopper's real confirmation follows; its
// callback must not wait for a whole GAP_MS, only for RECHECK_MS (≤ 1 s), while a flood for the
// payment still costs at most one Kaspi read per RECHECK_MS.
describe("handleKaspiCallback — a forged callback delays a genuine one by at most RECHECK_MS", () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** The fake, answering each GET `ms` after it read the payment (a round still running meanwhile). */
  const slowKaspi = (ms: number, inFlight = { now: 0, max: 0 }) => {
    const fake = deps.gateway; // this test's (a round left scheduled must not reach the next test's)
    return {
      ...fake,
      getPayment: async (id: string) => {
        inFlight.max = Math.max(inFlight.max, ++inFlight.now);
        try {
          const answer = await fake.getPayment(id);
          await sleep(ms);
          return answer;
        } finally {
          inFlight.now--;
        }
      },
    };
  };

  it("RECHECK_MS is at most a second", () => {
    expect(RECHECK_MS).toBeLessThanOrEqual(1_000);
    expect(RECHECK_MS).toBeLessThan(GAP_MS);
  });

  it("forged COMPLETED, the round finds it open, the shopper pays: the genuine callback's round is due within 1 s", async () => {
    const rounds = new CallbackRounds();
    const { order, kaspiPaymentId, externalId } = await pending();
    const forged = await handleKaspiCallback({ ...deps, rounds }, callback(kaspiPaymentId, externalId, "COMPLETED"));
    expect(forged).toMatchObject({ ok: true, value: { kind: "rejected" } });

    deps.gateway.setStatus(kaspiPaymentId, "PAID"); // the shopper confirms in Kaspi's app
    const sentAt = Date.now();
    const genuine = await handleKaspiCallback({ ...deps, rounds }, callback(kaspiPaymentId, externalId, "COMPLETED"));
    if (!genuine.ok || genuine.value.kind !== "deferred") throw new Error(JSON.stringify(genuine));
    // The round it joined is scheduled ≤ 1 s after it arrived (it was 3 s: the next whole gap) …
    expect(Date.parse(genuine.value.at) - sentAt).toBeLessThanOrEqual(1_000);
    // … the reconciler is told the same, should this process die …
    expect((await latestPayment(order.orderId)).nextCheckAt?.getTime()).toBeLessThanOrEqual(sentAt + 1_000);
    // … and it does run then (generous margin for a loaded machine; before, this took ~3 s).
    await waitUntil(async () => (await orderRow(order.orderId)).status === "PAID", 5_000);
    expect(deps.gateway.calls.getPayment).toBe(2);
    expect(await outboxOf(order.orderId)).toHaveLength(1);
  });

  it("the genuine callback arrives while the forged round still waits for Kaspi: PAID within about RECHECK_MS", async () => {
    const rounds = new CallbackRounds();
    const { order, payment, kaspiPaymentId, externalId } = await pending();
    const slow = { ...deps, gateway: slowKaspi(150), rounds };
    const forged = handleKaspiCallback(slow, callback(kaspiPaymentId, externalId, "COMPLETED"));
    await sleep(40); // Kaspi has answered PENDING; the answer is on its way
    deps.gateway.setStatus(kaspiPaymentId, "PAID");
    const sentAt = Date.now();
    const genuine = await handleKaspiCallback(slow, callback(kaspiPaymentId, externalId, "COMPLETED"));
    expect(genuine).toMatchObject({ ok: true, value: { kind: "deferred" } });
    expect(await forged).toMatchObject({ ok: true, value: { kind: "rejected" } });
    // Once the forged round has answered, the next is due RECHECK_MS after it started.
    expect((rounds.nextRoundAt(payment.id)?.getTime() ?? Infinity) - sentAt).toBeLessThanOrEqual(1_000);
    await waitUntil(async () => (await orderRow(order.orderId)).status === "PAID", 5_000);
  });

  it("a flood for one payment, whatever it claims, costs at most one Kaspi read per RECHECK_MS, one at a time", async () => {
    const recheckMs = 100;
    const rounds = new CallbackRounds({ gapMs: GAP_MS, recheckMs });
    const { order, kaspiPaymentId, externalId } = await pending();
    const inFlight = { now: 0, max: 0 };
    const flood = { ...deps, gateway: slowKaspi(10, inFlight), rounds };
    const claims = ["COMPLETED", "FAILED", "EXPIRED", "CANCELLED", "WAIT", "PROCESSING", "X1"];
    const floodMs = 1_000;
    const started = Date.now();
    let sent = 0;
    // At least floodMs and at least 200 callbacks (a loaded machine sends fewer per second).
    while (Date.now() - started < floodMs || sent < 200) {
      await Promise.all(
        Array.from({ length: 10 }, () =>
          handleKaspiCallback(flood, callback(kaspiPaymentId, externalId, claims[sent++ % claims.length] ?? "")),
        ),
      );
      await sleep(5);
    }
    const elapsed = Date.now() - started;
    // Claims Kaspi confirms (WAIT, PROCESSING) or cannot make true (X1) may each start one round.
    expect(deps.gateway.calls.getPayment).toBeLessThanOrEqual(Math.ceil(elapsed / recheckMs) + 4);
    expect(inFlight.max).toBe(1);
    expect((await orderRow(order.orderId)).status).toBe("PENDING");
  });

  it("unknown ids and another payment's externalId answer as late as a callback that waited for a round", async () => {
    const rounds = new CallbackRounds();
    const { kaspiPaymentId, externalId } = await pending();
    const slow = { ...deps, gateway: slowKaspi(200), rounds };
    const timed = async (body: ReturnType<typeof callback>) => {
      const t0 = Date.now();
      const res = await handleKaspiCallback(slow, body);
      return { res, ms: Date.now() - t0 };
    };
    const known = await timed(callback(kaspiPaymentId, externalId, "COMPLETED"));
    expect(known.res).toMatchObject({ ok: true, value: { kind: "rejected" } });
    expect(known.ms).toBeGreaterThanOrEqual(190);

    const unknown = await timed(callback("no-such-payment-1", externalId, "COMPLETED"));
    expect(unknown.res).toEqual({ ok: true, value: { kind: "rejected", reason: "unknown paymentId" } });
    expect(unknown.ms).toBeGreaterThanOrEqual(150);
    const wrongExternalId = await timed(callback(kaspiPaymentId, "someone-else", "COMPLETED"));
    expect(wrongExternalId.res).toMatchObject({ ok: true, value: { kind: "rejected" } });
    expect(wrongExternalId.ms).toBeGreaterThanOrEqual(150);
    // A repeat within the gap is answered at once, like a copy that joins a scheduled round.
    const repeat = await timed(callback("no-such-payment-1", externalId, "COMPLETED"));
    expect(repeat.ms).toBeLessThan(unknown.ms);
    expect(deps.gateway.calls.getPayment).toBe(1);
  });
});

async function waitUntil(check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 25));
  }
}
