import { beforeEach, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { latestPayment, orderRow, outboxOf } from "@/tests/support/order-rows";
import { createFakeKaspiGateway } from "@/tests/support/fake-kaspi-gateway";
import { eventTypes, seedOrder, seedPendingPayment, useCaseDeps, type Deps } from "@/tests/support/use-case-fixtures";
import { startPayment } from "./start-payment-use-case";
import { EXPIRY_GRACE_MS, RECHECK_SCHEDULE_MS, nextCheckDelay, reconcileDuePayments } from "./reconcile-use-case";

// The reconcile use case on a real SQLite file against the in-memory Kaspi: a missed callback
// costs latency, never money.

const FAR = new Date("2999-01-01T00:00:00Z");

let deps: Deps;
beforeEach(async () => {
  deps = useCaseDeps(createFakeKaspiGateway());
  // Each test starts with nothing due: payments left open by earlier tests wait far in the future.
  await db().payment.updateMany({ where: { status: { in: ["CREATED", "PENDING"] } }, data: { nextCheckAt: FAR } });
});

const makeDue = (paymentId: string, extra: Record<string, unknown> = {}) =>
  db().payment.update({ where: { id: paymentId }, data: { nextCheckAt: new Date(Date.now() - 1), ...extra } });

describe("reconcileDuePayments", () => {
  it("nothing due: Kaspi is not asked", async () => {
    await seedPendingPayment(deps);
    expect(await reconcileDuePayments(deps)).toEqual({ checked: 0, changed: 0, creationsRetried: 0, errors: 0 });
    expect(deps.gateway.calls.getPayment).toBe(0);
  });

  it("a payment whose callback was lost becomes PAID with one outbox row", async () => {
    const { order, payment, kaspiPaymentId } = await seedPendingPayment(deps);
    deps.gateway.setStatus(kaspiPaymentId, "PAID");
    await makeDue(payment.id);
    expect(await reconcileDuePayments(deps)).toEqual({ checked: 1, changed: 1, creationsRetried: 0, errors: 0 });
    expect((await orderRow(order.orderId)).status).toBe("PAID");
    expect((await latestPayment(order.orderId)).nextCheckAt).toBeNull();
    expect((await outboxOf(order.orderId)).map((o) => o.event)).toEqual(["payment.paid"]);
    expect(await eventTypes(order.orderId)).toEqual(expect.arrayContaining(["reconcile.result", "status.changed"]));
  });

  it("still pending: looked at again on the backoff schedule, checkCount counting", async () => {
    const { payment } = await seedPendingPayment(deps);
    await makeDue(payment.id);
    const now = new Date();
    expect(await reconcileDuePayments(deps, { now })).toMatchObject({ checked: 1, changed: 0 });
    const row = await latestPayment(payment.orderId);
    expect(row.status).toBe("PENDING");
    expect(row.checkCount).toBe(1);
    expect((row.nextCheckAt?.getTime() ?? 0) - now.getTime()).toBe(nextCheckDelay(1));
    expect(nextCheckDelay(1)).toBe(RECHECK_SCHEDULE_MS[1]);
    expect(nextCheckDelay(99)).toBe(RECHECK_SCHEDULE_MS[RECHECK_SCHEDULE_MS.length - 1]);
  });

  it("Kaspi not answering is recorded and the payment stays open for the next look", async () => {
    const { order, payment } = await seedPendingPayment(deps);
    await makeDue(payment.id);
    deps.gateway.failNextGet();
    expect(await reconcileDuePayments(deps)).toMatchObject({ checked: 1, changed: 0, errors: 0 });
    const row = await latestPayment(order.orderId);
    expect(row.status).toBe("PENDING");
    expect(row.nextCheckAt?.getTime()).toBeGreaterThan(Date.now());
    expect(await eventTypes(order.orderId)).toContain("verification.failed");
  });

  it("Kaspi's payment with another amount is not applied", async () => {
    const { order, payment, kaspiPaymentId } = await seedPendingPayment(deps);
    deps.gateway.setStatus(kaspiPaymentId, "PAID");
    deps.gateway.setAmount(kaspiPaymentId, 1);
    await makeDue(payment.id);
    expect(await reconcileDuePayments(deps)).toMatchObject({ checked: 1, changed: 0 });
    expect((await orderRow(order.orderId)).status).toBe("PENDING");
    expect(await outboxOf(order.orderId)).toHaveLength(0);
    expect(await eventTypes(order.orderId)).toContain("verification.rejected");
  });

  it("past its expiry and the grace, a payment Kaspi still calls pending is expired by the clock", async () => {
    const { order, payment } = await seedPendingPayment(deps);
    await makeDue(payment.id, { expiresAt: new Date(Date.now() - EXPIRY_GRACE_MS - 1_000) });
    expect(await reconcileDuePayments(deps)).toMatchObject({ checked: 1, changed: 1 });
    expect((await latestPayment(order.orderId)).status).toBe("EXPIRED");
    expect((await orderRow(order.orderId)).status).toBe("EXPIRED");
  });

  it("an unconfirmed creation is completed with the Kaspi payment that was made, not a new one", async () => {
    const order = await seedOrder();
    deps.gateway.loseNextCreateAnswer();
    await startPayment(deps, { token: order.token });
    const payment = await latestPayment(order.orderId);
    expect(payment.status).toBe("CREATED");
    await makeDue(payment.id);
    expect(await reconcileDuePayments(deps)).toMatchObject({ creationsRetried: 1, errors: 0 });
    const row = await latestPayment(order.orderId);
    expect(row.status).toBe("PENDING");
    expect(row.kaspiPaymentId).toBe([...deps.gateway.payments().keys()][0]);
    expect(deps.gateway.payments().size).toBe(1);
    expect((await orderRow(order.orderId)).status).toBe("PENDING");
  });

  it("open Kaspi QR payments are left to the QR poller", async () => {
    const { payment } = await seedPendingPayment(deps);
    await makeDue(payment.id, { protocol: "qr" });
    expect(await reconcileDuePayments(deps)).toMatchObject({ checked: 0 });
    expect(deps.gateway.calls.getPayment).toBe(0);
  });

  it("concurrent reconcilers make one Kaspi call per payment", async () => {
    const { payment } = await seedPendingPayment(deps);
    await makeDue(payment.id);
    await Promise.all(Array.from({ length: 4 }, () => reconcileDuePayments(deps)));
    expect(deps.gateway.calls.getPayment).toBe(1);
  });
});
