import { beforeEach, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { latestPayment, orderRow } from "@/tests/support/order-rows";
import { createFakeKaspiGateway } from "@/tests/support/fake-kaspi-gateway";
import {
  APP_URL,
  eventTypes,
  seedOrder,
  seedPaidPayment,
  useCaseDeps,
  type Deps,
} from "@/tests/support/use-case-fixtures";
import { CREATION_RETRY_MS, FIRST_CHECK_MS, startPayment } from "./start-payment-use-case";

// The start-payment use case on a real SQLite file against the in-memory Kaspi: one Kaspi payment
// per attempt whatever the clicks, and what a refusal or a silent Kaspi leaves behind.

let deps: Deps;
beforeEach(() => {
  deps = useCaseDeps(createFakeKaspiGateway());
});

describe("startPayment", () => {
  it("an unknown checkout token is NOT_FOUND and Kaspi is not called", async () => {
    const res = await startPayment(deps, { token: "no-such-token" });
    expect(res).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    expect(deps.gateway.calls.createPayment).toBe(0);
  });

  it("creates one Kaspi payment for the order's amount and opens the attempt", async () => {
    const order = await seedOrder({ phone: "+7 701 234 5678", accountNumber: "A-9" });
    const before = Date.now();
    const res = await startPayment(deps, { token: order.token });
    if (!res.ok) throw new Error(res.error.code);
    const payment = await latestPayment(order.orderId);
    const link = `https://pay.kaspi.test/p/${payment.kaspiPaymentId}`;
    expect(res.value).toEqual({
      status: "PENDING",
      attempt: 1,
      paymentLink: link,
      qr: { format: "text", value: link },
      expiresAt: payment.expiresAt?.toISOString(),
    });
    expect(deps.gateway.created).toEqual([
      {
        externalId: order.externalId,
        amount: order.amount,
        description: "Demo store: order A-9",
        phone: "+77012345678",
        redirectUrl: `${APP_URL}/pay/${order.token}`,
        callbackUrl: `${APP_URL}/api/kaspi/callback`,
        deviceId: order.orderId,
        account: "A-9",
      },
    ]);
    expect(payment).toMatchObject({
      status: "PENDING",
      attempt: 1,
      kaspiExternalId: order.externalId,
      protocol: "ecom",
    });
    // Payable for the configured TTL; the reconciler's first look comes 15 s after creation.
    expect((payment.expiresAt?.getTime() ?? 0) - before).toBeGreaterThanOrEqual(900_000 - 1_000);
    expect((payment.nextCheckAt?.getTime() ?? 0) - before).toBeGreaterThanOrEqual(FIRST_CHECK_MS - 1_000);
    expect((await orderRow(order.orderId)).status).toBe("PENDING");
    expect(await eventTypes(order.orderId)).toEqual(["order.created", "payment.created"]);
  });

  it("a repeat, and concurrent double clicks, reuse the one Kaspi payment", async () => {
    const order = await seedOrder();
    const answers = await Promise.all(Array.from({ length: 5 }, () => startPayment(deps, { token: order.token })));
    const again = await startPayment(deps, { token: order.token });
    expect(new Set([...answers, again].map((a) => JSON.stringify(a))).size).toBe(1);
    expect(deps.gateway.created).toHaveLength(1);
    expect(await db().payment.count({ where: { orderId: order.orderId } })).toBe(1);
  });

  it("a paid order answers its status without calling Kaspi", async () => {
    const { order } = await seedPaidPayment(deps);
    const calls = deps.gateway.calls.createPayment;
    const res = await startPayment(deps, { token: order.token, retryOf: 1 });
    expect(res).toEqual({ ok: true, value: { status: "PAID", attempt: 1 } });
    expect(deps.gateway.calls.createPayment).toBe(calls);
  });

  it("Kaspi's refusal is KASPI_REJECTED and fails the attempt and the order", async () => {
    const order = await seedOrder();
    deps.gateway.failNextCreate({ kind: "rejected", message: "invalid phone", httpStatus: 400 });
    const res = await startPayment(deps, { token: order.token });
    expect(res).toMatchObject({ ok: false, error: { code: "KASPI_REJECTED", details: { attempt: 1 } } });
    expect(await latestPayment(order.orderId)).toMatchObject({ status: "FAILED", lastError: "invalid phone" });
    expect((await orderRow(order.orderId)).status).toBe("FAILED");
    expect(await eventTypes(order.orderId)).toContain("payment.create_failed");
  });

  it("after a failed attempt, retryOf makes attempt 2 with its own externalId at Kaspi", async () => {
    const order = await seedOrder();
    deps.gateway.failNextCreate({ kind: "rejected", message: "declined" });
    await startPayment(deps, { token: order.token });
    // Without retryOf the failed attempt is only shown again.
    expect(await startPayment(deps, { token: order.token })).toMatchObject({ ok: true, value: { status: "FAILED" } });
    const res = await startPayment(deps, { token: order.token, retryOf: 1 });
    expect(res).toMatchObject({ ok: true, value: { status: "PENDING", attempt: 2 } });
    expect(deps.gateway.created.map((c) => c.externalId)).toEqual([`${order.externalId}#2`]);
    expect((await orderRow(order.orderId)).status).toBe("PENDING");
  });

  it("no answer from Kaspi is KASPI_UNAVAILABLE; the attempt stays open and is retried later", async () => {
    const order = await seedOrder();
    deps.gateway.failNextCreate();
    const before = Date.now();
    const res = await startPayment(deps, { token: order.token });
    expect(res).toMatchObject({ ok: false, error: { code: "KASPI_UNAVAILABLE", details: { attempt: 1 } } });
    const payment = await latestPayment(order.orderId);
    expect(payment).toMatchObject({ status: "CREATED", kaspiPaymentId: null, lastError: "no answer within 10000 ms" });
    expect((payment.nextCheckAt?.getTime() ?? 0) - before).toBeGreaterThanOrEqual(CREATION_RETRY_MS - 1_000);
    expect((await orderRow(order.orderId)).status).toBe("CREATED");
    expect(await eventTypes(order.orderId)).toContain("payment.create_unconfirmed");
  });

  it("a lost answer is recovered with the same Kaspi payment, not a second one", async () => {
    const order = await seedOrder();
    deps.gateway.loseNextCreateAnswer();
    expect(await startPayment(deps, { token: order.token })).toMatchObject({
      ok: false,
      error: { code: "KASPI_UNAVAILABLE" },
    });
    const kaspiIds = [...deps.gateway.payments().keys()];
    expect(kaspiIds).toHaveLength(1);
    // The retry pause is over: the next click asks Kaspi again with the same externalId.
    await db().payment.updateMany({
      where: { orderId: order.orderId },
      data: { nextCheckAt: new Date(Date.now() - 1) },
    });
    const res = await startPayment(deps, { token: order.token });
    expect(res).toMatchObject({ ok: true, value: { status: "PENDING", attempt: 1 } });
    expect((await latestPayment(order.orderId)).kaspiPaymentId).toBe(kaspiIds[0]);
    expect(deps.gateway.payments().size).toBe(1);
  });

  it("past the payment TTL, an attempt Kaspi never confirmed is failed", async () => {
    const order = await seedOrder();
    deps.gateway.failNextCreate();
    await startPayment(deps, { token: order.token });
    const payment = await latestPayment(order.orderId);
    await db().payment.update({
      where: { id: payment.id },
      data: { createdAt: new Date(Date.now() - 901_000), nextCheckAt: new Date(Date.now() - 1) },
    });
    deps.gateway.failNextCreate();
    expect(await startPayment(deps, { token: order.token })).toMatchObject({
      ok: false,
      error: { code: "KASPI_UNAVAILABLE" },
    });
    expect((await latestPayment(order.orderId)).status).toBe("FAILED");
    expect((await orderRow(order.orderId)).status).toBe("FAILED");
  });
});
