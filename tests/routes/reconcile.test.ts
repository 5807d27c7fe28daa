import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { setKaspiGatewayForTests, startPaymentDeps } from "@/lib/container";
import { db } from "@/lib/db";
import { createFakeKaspiGateway, type FakeKaspiGateway } from "@/tests/support/fake-kaspi-gateway";
import { EXPIRY_GRACE_MS, RECHECK_SCHEDULE_MS, reconcileDuePayments } from "@/lib/payments/reconcile-use-case";
import { createOrder, eventsOf, latestPayment, orderRow, outboxOf, postPayment } from "../helpers";

// Reconciliation: lost callbacks and unconfirmed creations converge to what Kaspi says.

let fake: FakeKaspiGateway;
beforeEach(() => {
  fake = createFakeKaspiGateway();
  setKaspiGatewayForTests(fake);
});
afterAll(() => setKaspiGatewayForTests(undefined));

async function pendingOrder() {
  const order = await createOrder();
  expect((await postPayment(order.token)).status).toBe(200);
  const payment = await latestPayment(order.orderId);
  return { order, payment, kaspiPaymentId: payment.kaspiPaymentId ?? "" };
}

const makeDue = (paymentId: string, extra: Record<string, unknown> = {}) =>
  db().payment.update({ where: { id: paymentId }, data: { nextCheckAt: new Date(Date.now() - 1), ...extra } });

describe("reconcileDuePayments", () => {
  it("a fresh payment is first checked 15 s after creation", async () => {
    const { payment } = await pendingOrder();
    const delay = (payment.nextCheckAt?.getTime() ?? 0) - payment.createdAt.getTime();
    expect(delay).toBeGreaterThanOrEqual(14_000);
    expect(delay).toBeLessThanOrEqual(16_000);
  });

  it("a paid payment whose callback was lost becomes PAID with one outbox row", async () => {
    const { order, payment, kaspiPaymentId } = await pendingOrder();
    fake.setStatus(kaspiPaymentId, "PAID");
    await makeDue(payment.id);
    const stats = await reconcileDuePayments(startPaymentDeps());
    expect(stats).toMatchObject({ checked: 1, changed: 1, errors: 0 });
    expect((await orderRow(order.orderId)).status).toBe("PAID");
    expect(await outboxOf(order.orderId)).toHaveLength(1);
  });

  it("a still-pending payment is looked at again on the backoff schedule", async () => {
    const { payment } = await pendingOrder();
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      await makeDue(payment.id);
      const before = Date.now();
      await reconcileDuePayments(startPaymentDeps());
      const row = await latestPayment(payment.orderId);
      seen.push(Math.round(((row.nextCheckAt?.getTime() ?? 0) - before) / 1000));
      expect(row.checkCount).toBe(i + 1);
    }
    expect(seen).toEqual(RECHECK_SCHEDULE_MS.slice(1, 5).map((ms) => ms / 1000));
  });

  it("never two reconcilers on one payment: concurrent runs make one Kaspi call", async () => {
    const { payment } = await pendingOrder();
    await makeDue(payment.id);
    const before = fake.calls.getPayment;
    await Promise.all(Array.from({ length: 5 }, () => reconcileDuePayments(startPaymentDeps())));
    expect(fake.calls.getPayment - before).toBe(1);
  });

  it("Kaspi's FAILED and EXPIRED are applied", async () => {
    const a = await pendingOrder();
    const b = await pendingOrder();
    fake.setStatus(a.kaspiPaymentId, "FAILED");
    fake.setStatus(b.kaspiPaymentId, "EXPIRED");
    await makeDue(a.payment.id);
    await makeDue(b.payment.id);
    await reconcileDuePayments(startPaymentDeps());
    expect((await orderRow(a.order.orderId)).status).toBe("FAILED");
    expect((await orderRow(b.order.orderId)).status).toBe("EXPIRED");
  });

  it("past its expiry and grace, a payment Kaspi still calls pending is expired by the clock", async () => {
    const { order, payment } = await pendingOrder();
    await makeDue(payment.id, { expiresAt: new Date(Date.now() - EXPIRY_GRACE_MS - 1_000) });
    await reconcileDuePayments(startPaymentDeps());
    expect((await orderRow(order.orderId)).status).toBe("EXPIRED");
    const types = (await eventsOf(order.orderId)).map((e) => e.type);
    expect(types).toContain("status.changed");
  });

  it("a payment Kaspi reports with another amount is not paid", async () => {
    const { order, payment, kaspiPaymentId } = await pendingOrder();
    fake.setStatus(kaspiPaymentId, "PAID");
    fake.setAmount(kaspiPaymentId, 1);
    await makeDue(payment.id);
    await reconcileDuePayments(startPaymentDeps());
    expect((await orderRow(order.orderId)).status).toBe("PENDING");
    expect((await eventsOf(order.orderId)).map((e) => e.type)).toContain("verification.rejected");
  });

  it("Kaspi unavailable: nothing changes, the failure is on the timeline, the payment is checked again", async () => {
    const { order, payment } = await pendingOrder();
    fake.failNextGet();
    await makeDue(payment.id);
    await reconcileDuePayments(startPaymentDeps());
    expect((await orderRow(order.orderId)).status).toBe("PENDING");
    expect((await eventsOf(order.orderId)).map((e) => e.type)).toContain("verification.failed");
    expect((await latestPayment(order.orderId)).nextCheckAt?.getTime()).toBeGreaterThan(Date.now());
  });

  it("an unconfirmed creation (answer lost) is completed by the reconciler without a second payment", async () => {
    const order = await createOrder();
    fake.loseNextCreateAnswer();
    expect((await postPayment(order.token)).status).toBe(503);
    const payment = await latestPayment(order.orderId);
    expect(payment.status).toBe("CREATED");
    await makeDue(payment.id);
    const stats = await reconcileDuePayments(startPaymentDeps());
    expect(stats.creationsRetried).toBe(1);
    const after = await latestPayment(order.orderId);
    expect(after.status).toBe("PENDING");
    expect(after.kaspiPaymentId).not.toBeNull();
    expect(fake.created).toHaveLength(1);
    expect((await orderRow(order.orderId)).status).toBe("PENDING");
  });
});
