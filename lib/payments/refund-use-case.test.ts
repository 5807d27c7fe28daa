import { beforeEach, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { orderRow, outboxOf } from "@/tests/support/order-rows";
import { createFakeKaspiGateway } from "@/tests/support/fake-kaspi-gateway";
import {
  eventTypes,
  seedPaidPayment,
  seedPendingPayment,
  useCaseDeps,
  type Deps,
} from "@/tests/support/use-case-fixtures";
import { DEFAULT_STORE_ID } from "../stores/store-id";
import { refundPayment, retryRefund } from "./refund-use-case";

// The refund use case on a real SQLite file against the in-memory Kaspi: reserve, ask Kaspi,
// settle; never more than the payment, and Bitrix told through the outbox.

const actor = { userId: "usr_test", email: "admin@shop.test" };

let deps: Deps & { storeId: string };
beforeEach(() => {
  deps = { ...useCaseDeps(createFakeKaspiGateway()), storeId: DEFAULT_STORE_ID };
});

const paymentRow = (id: string) => db().payment.findUniqueOrThrow({ where: { id } });
const refundOutbox = async (orderId: string) =>
  (await outboxOf(orderId)).filter((o) => o.event.startsWith("payment.refunded:"));

describe("refundPayment", () => {
  it("a partial refund goes through Kaspi and makes the order PARTIALLY_REFUNDED, Bitrix told", async () => {
    const { order, payment, kaspiPaymentId } = await seedPaidPayment(deps);
    const res = await refundPayment(deps, { paymentId: payment.id, amount: 2_500, actor });
    if (!res.ok) throw new Error(res.error.code);
    const { refund } = res.value;
    expect(res.value).toEqual({
      refund: {
        id: refund.id,
        amount: 2_500,
        status: "SUCCEEDED",
        kaspiRefundId: `refund-${refund.id}`,
        lastError: null,
      },
      payment: {
        id: payment.id,
        status: "PARTIALLY_REFUNDED",
        amount: 12_500,
        refundedAmount: 2_500,
        refundingAmount: 0,
      },
    });
    expect(deps.gateway.refunds).toEqual([{ kaspiPaymentId, amount: 2_500, refundId: refund.id }]);
    expect((await orderRow(order.orderId)).status).toBe("PARTIALLY_REFUNDED");
    const row = await db().refund.findUniqueOrThrow({ where: { id: refund.id } });
    expect(row).toMatchObject({ status: "SUCCEEDED", createdById: actor.userId, orderId: order.orderId });
    const outbox = await refundOutbox(order.orderId);
    expect(outbox.map((o) => o.event)).toEqual([`payment.refunded:${refund.id}`]);
    expect(JSON.parse(outbox[0]?.payload ?? "{}")).toMatchObject({
      event: "payment.refunded",
      externalId: order.externalId,
      refundId: refund.id,
      amount: 2_500,
      refundedTotal: 2_500,
      paymentAmount: 12_500,
      status: "PARTIALLY_REFUNDED",
      kaspiPaymentId,
    });
    expect(await eventTypes(order.orderId)).toEqual(
      expect.arrayContaining(["refund.requested", "refund.succeeded", "status.changed"]),
    );
  });

  it("refunding the rest makes it REFUNDED; one more tenge is REFUND_TOO_LARGE", async () => {
    const { order, payment } = await seedPaidPayment(deps);
    await refundPayment(deps, { paymentId: payment.id, amount: 2_500, actor });
    const rest = await refundPayment(deps, { paymentId: payment.id, amount: 10_000, actor });
    expect(rest).toMatchObject({ ok: true, value: { payment: { status: "REFUNDED", refundedAmount: 12_500 } } });
    expect((await orderRow(order.orderId)).status).toBe("REFUNDED");
    expect(await refundOutbox(order.orderId)).toHaveLength(2);
    const more = await refundPayment(deps, { paymentId: payment.id, amount: 1, actor });
    expect(more).toMatchObject({ ok: false, error: { code: "REFUND_NOT_ALLOWED" } });
  });

  it("more than what is left is REFUND_TOO_LARGE and Kaspi is not asked", async () => {
    const { payment } = await seedPaidPayment(deps);
    const res = await refundPayment(deps, { paymentId: payment.id, amount: 12_501, actor });
    expect(res).toMatchObject({ ok: false, error: { code: "REFUND_TOO_LARGE", details: { refundable: 12_500 } } });
    expect(deps.gateway.calls.refund).toBe(0);
    expect(await paymentRow(payment.id)).toMatchObject({ status: "PAID", refundingAmount: 0 });
  });

  it("concurrent refunds can never add up to more than the payment", async () => {
    const { payment } = await seedPaidPayment(deps);
    const answers = await Promise.all(
      [7_000, 7_000, 7_000].map((amount) => refundPayment(deps, { paymentId: payment.id, amount, actor })),
    );
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    expect(answers.filter((a) => !a.ok && a.error.code === "REFUND_TOO_LARGE")).toHaveLength(2);
    expect(deps.gateway.refunds).toHaveLength(1);
    expect(await paymentRow(payment.id)).toMatchObject({ refundedAmount: 7_000, refundingAmount: 0 });
  });

  it.each([0, -5, 10.5])("an amount of %s is INVALID_AMOUNT", async (amount) => {
    const { payment } = await seedPaidPayment(deps);
    expect(await refundPayment(deps, { paymentId: payment.id, amount, actor })).toMatchObject({
      ok: false,
      error: { code: "INVALID_AMOUNT" },
    });
    expect(await db().refund.count({ where: { paymentId: payment.id } })).toBe(0);
  });

  it("an unpaid payment is REFUND_NOT_ALLOWED; an unknown one NOT_FOUND", async () => {
    const { payment } = await seedPendingPayment(deps);
    expect(await refundPayment(deps, { paymentId: payment.id, amount: 100, actor })).toMatchObject({
      ok: false,
      error: { code: "REFUND_NOT_ALLOWED" },
    });
    expect(await refundPayment(deps, { paymentId: "pay_nope", amount: 100, actor })).toMatchObject({
      ok: false,
      error: { code: "NOT_FOUND" },
    });
    expect(deps.gateway.calls.refund).toBe(0);
  });

  it("a protocol without refunds is REFUND_UNSUPPORTED with its reason", async () => {
    const { payment } = await seedPaidPayment(deps);
    const noRefunds = {
      ...useCaseDeps(
        createFakeKaspiGateway({ refundSupport: { supported: false, reason: "refund in Kaspi Business" } }),
      ),
      storeId: DEFAULT_STORE_ID,
    };
    expect(await refundPayment(noRefunds, { paymentId: payment.id, amount: 100, actor })).toEqual({
      ok: false,
      error: { code: "REFUND_UNSUPPORTED", message: "refund in Kaspi Business" },
    });
  });

  it("where Kaspi refunds only in full, a partial refund is REFUND_NOT_ALLOWED", async () => {
    const fullOnly = {
      ...useCaseDeps(createFakeKaspiGateway({ refundSupport: { supported: true, partial: false } })),
      storeId: DEFAULT_STORE_ID,
    };
    const { payment } = await seedPaidPayment(fullOnly);
    expect(await refundPayment(fullOnly, { paymentId: payment.id, amount: 100, actor })).toMatchObject({
      ok: false,
      error: { code: "REFUND_NOT_ALLOWED" },
    });
    expect(await refundPayment(fullOnly, { paymentId: payment.id, amount: 12_500, actor })).toMatchObject({
      ok: true,
      value: { payment: { status: "REFUNDED" } },
    });
  });

  it("Kaspi's refusal fails the refund and releases the reserved amount", async () => {
    const { order, payment } = await seedPaidPayment(deps);
    deps.gateway.failNextRefund({ kind: "rejected", message: "not allowed today" });
    const res = await refundPayment(deps, { paymentId: payment.id, amount: 2_500, actor });
    expect(res).toMatchObject({
      ok: true,
      value: { refund: { status: "FAILED", lastError: "not allowed today" }, payment: { status: "PAID" } },
    });
    expect(await paymentRow(payment.id)).toMatchObject({ refundedAmount: 0, refundingAmount: 0 });
    expect((await orderRow(order.orderId)).status).toBe("PAID");
    expect(await refundOutbox(order.orderId)).toHaveLength(0);
    expect(await eventTypes(order.orderId)).toContain("refund.failed");
  });

  it("no answer from Kaspi keeps the refund PENDING and its amount held until a retry settles it", async () => {
    const { order, payment } = await seedPaidPayment(deps);
    deps.gateway.failNextRefund();
    const first = await refundPayment(deps, { paymentId: payment.id, amount: 2_500, actor });
    if (!first.ok) throw new Error(first.error.code);
    expect(first.value.refund).toMatchObject({ status: "PENDING", lastError: "no answer within 10000 ms" });
    expect(await paymentRow(payment.id)).toMatchObject({ status: "PAID", refundingAmount: 2_500 });
    expect(await eventTypes(order.orderId)).toContain("refund.uncertain");
    // The held amount counts: what is left is 10 000.
    expect(await refundPayment(deps, { paymentId: payment.id, amount: 10_001, actor })).toMatchObject({
      ok: false,
      error: { code: "REFUND_TOO_LARGE" },
    });

    const retried = await retryRefund(deps, first.value.refund.id);
    expect(retried).toMatchObject({
      ok: true,
      value: { refund: { status: "SUCCEEDED" }, payment: { refundedAmount: 2_500, refundingAmount: 0 } },
    });
    expect(deps.gateway.calls.refund).toBe(2);
    expect(deps.gateway.refunds.map((r) => r.refundId)).toEqual([first.value.refund.id]);
    expect(await eventTypes(order.orderId)).toContain("refund.retried");
    // A settled refund is only shown again.
    expect(await retryRefund(deps, first.value.refund.id)).toMatchObject({
      ok: true,
      value: { refund: { status: "SUCCEEDED" } },
    });
    expect(deps.gateway.calls.refund).toBe(2);
    expect(await retryRefund(deps, "rfd_nope")).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
  });

  it("the same idempotency key makes one refund; reused for another amount it is CONFLICT", async () => {
    const { payment } = await seedPaidPayment(deps);
    const key = `key-${payment.id}`;
    const a = await refundPayment(deps, { paymentId: payment.id, amount: 1_000, idempotencyKey: key, actor });
    const b = await refundPayment(deps, { paymentId: payment.id, amount: 1_000, idempotencyKey: key, actor });
    expect(b).toEqual(a);
    expect(deps.gateway.refunds).toHaveLength(1);
    expect(
      await refundPayment(deps, { paymentId: payment.id, amount: 2_000, idempotencyKey: key, actor }),
    ).toMatchObject({
      ok: false,
      error: { code: "CONFLICT" },
    });
    expect(await paymentRow(payment.id)).toMatchObject({ refundedAmount: 1_000 });
  });
});
