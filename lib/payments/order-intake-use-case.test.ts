import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { eventsOf, newExternalId, orderRow } from "@/tests/support/order-rows";
import {
  APP_URL,
  LIMITS,
  eventTypes,
  seedPaidPayment,
  seedPendingPayment,
  useCaseDeps,
} from "@/tests/support/use-case-fixtures";
import { getOrderForBitrix, intakeOrder } from "./order-intake-use-case";
import { orderIntakeSchema } from "./order-schemas";

// The intake use case on a real SQLite file: what Bitrix's POST /api/orders does to the database.

const deps = () => ({ db: db(), limits: LIMITS, appUrl: APP_URL, mode: "sandbox" as const });
const body = (input: Record<string, unknown> = {}) =>
  orderIntakeSchema.parse({ externalId: newExternalId("intake"), amount: 12_500, currency: "KZT", ...input });

describe("intakeOrder", () => {
  it("creates a CREATED order with its checkout link and an order.created event", async () => {
    const input = body({ phone: "8 (701) 234-56-78", accountNumber: "A-17", lang: "KZ" });
    const res = await intakeOrder(deps(), input);
    if (!res.ok) throw new Error(res.error.code);
    expect(res.value.created).toBe(true);
    const row = await orderRow(res.value.body.orderId);
    expect(res.value.body).toEqual({
      orderId: row.id,
      checkoutUrl: `${APP_URL}/pay/${row.checkoutToken}`,
      status: "CREATED",
    });
    expect(row).toMatchObject({
      externalId: input.externalId,
      amount: 12_500,
      currency: "KZT",
      status: "CREATED",
      phone: "+77012345678",
      accountNumber: "A-17",
      lang: "kk",
    });
    expect(row.checkoutToken.length).toBeGreaterThanOrEqual(32);
    expect(await eventTypes(row.id)).toEqual(["order.created"]);
  });

  it("the same externalId and amount again answers the same order and writes nothing", async () => {
    const input = body();
    const first = await intakeOrder(deps(), input);
    const again = await intakeOrder(deps(), input);
    if (!first.ok || !again.ok) throw new Error("intake failed");
    expect(again.value).toEqual({ created: false, body: first.value.body });
    expect(await db().order.count({ where: { externalId: input.externalId } })).toBe(1);
    expect(await eventTypes(first.value.body.orderId)).toEqual(["order.created"]);
  });

  it("concurrent copies of one intake make one order", async () => {
    const input = body();
    const answers = await Promise.all(Array.from({ length: 5 }, () => intakeOrder(deps(), input)));
    const ids = new Set(answers.map((a) => (a.ok ? a.value.body.orderId : a.error.code)));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.ok && a.value.created)).toHaveLength(1);
    expect(await db().order.count({ where: { externalId: input.externalId } })).toBe(1);
  });

  it("a new amount on an unpaid order updates it and closes the attempt made for the old amount", async () => {
    const { order, payment } = await seedPendingPayment(useCaseDeps());
    const res = await intakeOrder(deps(), body({ externalId: order.externalId, amount: 9_000 }));
    if (!res.ok) throw new Error(res.error.code);
    expect(res.value).toMatchObject({ created: false, body: { orderId: order.orderId, status: "CREATED" } });
    expect(await orderRow(order.orderId)).toMatchObject({ amount: 9_000, status: "CREATED" });
    expect((await db().payment.findUniqueOrThrow({ where: { id: payment.id } })).status).toBe("CANCELLED");
    const events = await eventsOf(order.orderId);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["payment.cancelled", "order.amount_changed"]));
    const changed = events.find((e) => e.type === "order.amount_changed");
    expect(JSON.parse(changed?.data ?? "null")).toEqual({ from: 12_500, to: 9_000 });
  });

  it("a new amount on a paid order is ORDER_ALREADY_PAID and changes nothing", async () => {
    const { order } = await seedPaidPayment(useCaseDeps());
    const res = await intakeOrder(deps(), body({ externalId: order.externalId, amount: 9_000 }));
    expect(res).toMatchObject({ ok: false, error: { code: "ORDER_ALREADY_PAID" } });
    expect(await orderRow(order.orderId)).toMatchObject({ amount: 12_500, status: "PAID" });
  });

  it.each([
    ["a fraction", 100.5],
    ["zero", 0],
    ["a negative amount", -500],
    ["below the minimum", LIMITS.min - 1],
    ["above the maximum", LIMITS.max + 1],
    ["a string", "12500"],
  ])("%s is INVALID_AMOUNT and no order is written", async (_label, amount) => {
    const input = body({ amount });
    const res = await intakeOrder(deps(), input);
    expect(res).toMatchObject({ ok: false, error: { code: "INVALID_AMOUNT" } });
    expect(await db().order.count({ where: { externalId: input.externalId } })).toBe(0);
  });

  it("a phone that is not a Kazakhstan number is INVALID_PHONE", async () => {
    const input = body({ phone: "+1 202 555 0100" });
    const res = await intakeOrder(deps(), input);
    expect(res).toMatchObject({ ok: false, error: { code: "INVALID_PHONE" } });
    expect(await db().order.count({ where: { externalId: input.externalId } })).toBe(0);
  });
});

describe("getOrderForBitrix", () => {
  it("an unknown externalId is NOT_FOUND", async () => {
    expect(await getOrderForBitrix(db(), "no-such-order")).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
  });

  it("an unpaid order has no paidAt or Kaspi payment id", async () => {
    const { order } = await seedPendingPayment(useCaseDeps());
    const res = await getOrderForBitrix(db(), order.externalId);
    expect(res).toEqual({
      ok: true,
      value: {
        orderId: order.orderId,
        externalId: order.externalId,
        amount: 12_500,
        status: "PENDING",
        mode: "sandbox",
        refundedAmount: 0,
      },
    });
  });

  it("a paid order carries when it was paid and the Kaspi payment that paid it", async () => {
    const { order, kaspiPaymentId } = await seedPaidPayment(useCaseDeps());
    const row = await orderRow(order.orderId);
    const res = await getOrderForBitrix(db(), order.externalId);
    expect(res).toEqual({
      ok: true,
      value: {
        orderId: order.orderId,
        externalId: order.externalId,
        amount: 12_500,
        status: "PAID",
        paidAt: row.paidAt?.toISOString(),
        kaspiPaymentId,
        mode: "sandbox",
        refundedAmount: 0,
      },
    });
  });

  it("a refunded order carries what was refunded of the payment that paid it", async () => {
    const { order, payment } = await seedPaidPayment(useCaseDeps());
    await db().payment.update({
      where: { id: payment.id },
      data: { refundedAmount: 5_000, status: "PARTIALLY_REFUNDED" },
    });
    const res = await getOrderForBitrix(db(), order.externalId);
    expect(res).toMatchObject({ ok: true, value: { refundedAmount: 5_000 } });
  });
});
