import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { POST as recheckRoute } from "@/app/api/merchant/payments/[id]/recheck/route";
import { POST as refundRoute } from "@/app/api/merchant/payments/[id]/refund/route";
import { POST as retryRoute } from "@/app/api/merchant/refunds/[id]/retry/route";
import { setKaspiGatewayForTests } from "@/lib/container";
import { db } from "@/lib/db";
import { createFakeKaspiGateway, type FakeKaspiGateway } from "@/tests/support/fake-kaspi-gateway";
import type { RefundView } from "@/lib/payments/refund-use-case";
import {
  createOrder,
  errorCodeOf,
  eventsOf,
  latestPayment,
  orderRow,
  outboxOf,
  params,
  payOrder,
  postPayment,
} from "../helpers";
import { merchantRequest, read, signedIn, type TestSession } from "./merchant-helpers";

// Refund rules, against the Kaspi port with and without refund support.

let fake: FakeKaspiGateway;
let admin: TestSession;
beforeEach(async () => {
  fake = createFakeKaspiGateway();
  setKaspiGatewayForTests(fake);
  admin = await signedIn("admin");
});
afterAll(() => setKaspiGatewayForTests(undefined));

async function paidPayment(amount = 10_000) {
  const order = await createOrder({ amount });
  await payOrder(fake, order);
  const payment = await latestPayment(order.orderId);
  return { order, payment };
}

async function refund(paymentId: string, body: Record<string, unknown>, session: TestSession = admin) {
  return read<RefundView & { error?: { code: string; message: string } }>(
    await refundRoute(
      merchantRequest(`/api/merchant/payments/${paymentId}/refund`, { session, body }),
      params({ id: paymentId }),
    ),
  );
}

describe("refunds with a Kaspi protocol that refunds (partial allowed)", () => {
  it("partial then full: PARTIALLY_REFUNDED, then REFUNDED; timeline and one outbox row per refund", async () => {
    const { order, payment } = await paidPayment(10_000);
    const first = await refund(payment.id, { amount: 3_000 });
    expect(first.status).toBe(200);
    expect(first.body.refund).toMatchObject({ amount: 3_000, status: "SUCCEEDED" });
    expect(first.body.payment).toMatchObject({
      status: "PARTIALLY_REFUNDED",
      refundedAmount: 3_000,
      refundingAmount: 0,
    });
    expect((await orderRow(order.orderId)).status).toBe("PARTIALLY_REFUNDED");

    const second = await refund(payment.id, { amount: 7_000 });
    expect(second.body.payment).toMatchObject({ status: "REFUNDED", refundedAmount: 10_000 });
    expect((await orderRow(order.orderId)).status).toBe("REFUNDED");

    const outbox = (await outboxOf(order.orderId)).filter((o) => o.event.startsWith("payment.refunded"));
    expect(outbox).toHaveLength(2);
    const payloads = outbox.map((o) => JSON.parse(o.payload) as Record<string, unknown>);
    expect(payloads.map((p) => [p.event, p.amount, p.refundedTotal, p.status])).toEqual([
      ["payment.refunded", 3_000, 3_000, "PARTIALLY_REFUNDED"],
      ["payment.refunded", 7_000, 10_000, "REFUNDED"],
    ]);
    const types = (await eventsOf(order.orderId)).map((e) => e.type);
    expect(types.filter((t) => t === "refund.requested")).toHaveLength(2);
    expect(types.filter((t) => t === "refund.succeeded")).toHaveLength(2);
    expect(fake.refunds.map((r) => r.amount)).toEqual([3_000, 7_000]);
  });

  it("over-refund is rejected before Kaspi is asked, and says what is left", async () => {
    const { payment } = await paidPayment(10_000);
    const over = await refund(payment.id, { amount: 10_001 });
    expect(over.status).toBe(422);
    expect(over.body.error?.code).toBe("REFUND_TOO_LARGE");
    await refund(payment.id, { amount: 4_000 });
    const again = await refund(payment.id, { amount: 6_001 });
    expect(again.body.error?.message).toContain("6\u00a0000");
    expect(fake.calls.refund).toBe(1);
    const refunded = await refund(payment.id, { amount: 6_000 });
    expect(refunded.body.payment.status).toBe("REFUNDED");
    expect((await refund(payment.id, { amount: 1 })).body.error?.code).toBe("REFUND_NOT_ALLOWED");
  });

  it.each([
    ["zero", 0],
    ["negative", -5],
    ["fraction", 10.5],
    ["string", "100"],
  ])("amount %s → 422", async (_n, amount) => {
    const { payment } = await paidPayment();
    const answer = await refund(payment.id, { amount });
    expect(answer.status).toBe(422);
  });

  it("only PAID / PARTIALLY_REFUNDED payments can be refunded; unknown payment → 404", async () => {
    const order = await createOrder();
    await postPayment(order.token);
    const pending = await latestPayment(order.orderId);
    expect((await refund(pending.id, { amount: 100 })).body.error?.code).toBe("REFUND_NOT_ALLOWED");
    expect((await refund("pay_nope", { amount: 100 })).status).toBe(404);
  });

  it("concurrent refunds can never add up to more than the payment", async () => {
    const { order, payment } = await paidPayment(10_000);
    const answers = await Promise.all(Array.from({ length: 6 }, () => refund(payment.id, { amount: 3_000 })));
    const succeeded = answers.filter((a) => a.status === 200);
    const rejected = answers.filter((a) => a.status === 422);
    expect(succeeded).toHaveLength(3);
    expect(rejected).toHaveLength(3);
    const row = await db().payment.findUniqueOrThrow({ where: { id: payment.id } });
    expect(row).toMatchObject({ refundedAmount: 9_000, refundingAmount: 0, status: "PARTIALLY_REFUNDED" });
    expect(fake.refunds.reduce((s, r) => s + r.amount, 0)).toBe(9_000);
    expect((await outboxOf(order.orderId)).filter((o) => o.event.startsWith("payment.refunded"))).toHaveLength(3);
  });

  it("the same idempotency key twice (double click) makes one refund", async () => {
    const { payment } = await paidPayment(10_000);
    const key = "click-0123456789";
    const [a, b] = await Promise.all([
      refund(payment.id, { amount: 2_000, idempotencyKey: key }),
      refund(payment.id, { amount: 2_000, idempotencyKey: key }),
    ]);
    // The second click sees the first's refund: done (200) or still at Kaspi (202).
    expect([a.status, b.status].sort(), JSON.stringify([a.body, b.body])).toEqual(
      a.status === b.status ? [200, 200] : [200, 202],
    );
    expect(a.body.refund.id).toBe(b.body.refund.id);
    expect(fake.refunds).toHaveLength(1);
    expect((await refund(payment.id, { amount: 2_500, idempotencyKey: key })).status).toBe(409);
  });

  it("Kaspi refuses: the refund fails, the reservation is released, the status stays", async () => {
    const { order, payment } = await paidPayment(10_000);
    fake.failNextRefund({ kind: "rejected", message: "-99000005 refund larger than purchase" });
    const answer = await refund(payment.id, { amount: 1_000 });
    expect(answer.status).toBe(200);
    expect(answer.body.refund).toMatchObject({ status: "FAILED", lastError: "-99000005 refund larger than purchase" });
    expect(answer.body.payment).toMatchObject({ status: "PAID", refundedAmount: 0, refundingAmount: 0 });
    expect((await eventsOf(order.orderId)).map((e) => e.type)).toContain("refund.failed");
  });

  it("Kaspi does not answer: 202 PENDING, amount held; a retry settles it once", async () => {
    const { payment } = await paidPayment(10_000);
    fake.failNextRefund();
    const answer = await refund(payment.id, { amount: 4_000 });
    expect(answer.status).toBe(202);
    expect(answer.body.payment).toMatchObject({ refundingAmount: 4_000, refundedAmount: 0, status: "PAID" });
    // Held: only 6 000 can be refunded meanwhile.
    expect((await refund(payment.id, { amount: 6_001 })).status).toBe(422);
    const retry = async () =>
      read<RefundView>(
        await retryRoute(
          merchantRequest(`/api/merchant/refunds/${answer.body.refund.id}/retry`, { session: admin, body: {} }),
          params({ id: answer.body.refund.id }),
        ),
      );
    const retried = await retry();
    expect(retried.status).toBe(200);
    expect(retried.body.payment).toMatchObject({
      refundingAmount: 0,
      refundedAmount: 4_000,
      status: "PARTIALLY_REFUNDED",
    });
    expect((await retry()).body.refund.status).toBe("SUCCEEDED");
    expect(fake.refunds).toHaveLength(1);
  });

  it("refunding a duplicate attempt does not touch the order or tell Bitrix", async () => {
    const { order, payment } = await paidPayment(10_000);
    // A second attempt paid too (money came twice): Kaspi has it, our mirror has it as PAID.
    const dupExternal = `dup-${Date.now()}`;
    const created = await fake.createPayment({
      externalId: dupExternal,
      amount: 10_000,
      description: "d",
      callbackUrl: "http://x",
      deviceId: "d",
    });
    if (!created.ok) throw new Error("fake refused");
    const second = await db().payment.create({
      data: {
        id: `pay_dup_${Date.now()}`,
        orderId: order.orderId,
        attempt: payment.attempt + 1,
        protocol: "ecom",
        kaspiExternalId: dupExternal,
        kaspiPaymentId: created.value.kaspiPaymentId,
        amount: 10_000,
        status: "PAID",
        paidAt: new Date(),
      },
    });
    fake.setStatus(second.kaspiPaymentId ?? "", "PAID");
    const answer = await refund(second.id, { amount: 10_000 });
    expect(answer.body.payment.status).toBe("REFUNDED");
    expect((await orderRow(order.orderId)).status).toBe("PAID");
    expect((await outboxOf(order.orderId)).filter((o) => o.paymentId === second.id)).toHaveLength(0);
  });
});

describe("refunds with a protocol that does not refund (eCommerce API)", () => {
  it("is refused with the port's reason, Kaspi never asked, nothing reserved", async () => {
    fake = createFakeKaspiGateway({
      refundSupport: { supported: false, reason: "the eCommerce API has no refund call" },
    });
    setKaspiGatewayForTests(fake);
    const { payment } = await paidPayment(10_000);
    const answer = await refund(payment.id, { amount: 1_000 });
    expect(answer.status).toBe(409);
    expect(answer.body.error).toEqual({ code: "REFUND_UNSUPPORTED", message: "the eCommerce API has no refund call" });
    expect(fake.calls.refund).toBe(0);
    const row = await db().payment.findUniqueOrThrow({ where: { id: payment.id } });
    expect(row).toMatchObject({ status: "PAID", refundingAmount: 0 });
  });
});

describe("refunds with a protocol that refunds only in full", () => {
  it("a partial refund is refused; the full amount goes through", async () => {
    fake = createFakeKaspiGateway({ refundSupport: { supported: true, partial: false } });
    setKaspiGatewayForTests(fake);
    const { payment } = await paidPayment(10_000);
    expect((await refund(payment.id, { amount: 1_000 })).body.error?.code).toBe("REFUND_NOT_ALLOWED");
    expect((await refund(payment.id, { amount: 10_000 })).body.payment.status).toBe("REFUNDED");
  });
});

describe("POST /api/merchant/payments/{id}/recheck", () => {
  const recheck = async (id: string) =>
    read(
      await recheckRoute(
        merchantRequest(`/api/merchant/payments/${id}/recheck`, { session: admin, body: {} }),
        params({ id }),
      ),
    );

  it("applies Kaspi's status through the guarded transition (PAID once, with one outbox row)", async () => {
    const order = await createOrder();
    await postPayment(order.token);
    const payment = await latestPayment(order.orderId);
    fake.setStatus(payment.kaspiPaymentId ?? "", "PAID");
    const first = await recheck(payment.id);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      kaspiStatus: "COMPLETED",
      result: { changed: true, from: "PENDING", to: "PAID" },
    });
    expect((await recheck(payment.id)).body).toMatchObject({ result: { changed: false, current: "PAID" } });
    expect((await outboxOf(order.orderId)).filter((o) => o.event === "payment.paid")).toHaveLength(1);
    const events = await eventsOf(order.orderId);
    expect(events.filter((e) => e.type === "status.changed" && e.source === "merchant")).toHaveLength(1);
  });

  it("a wrong amount at Kaspi is not applied; Kaspi unavailable → 503; unknown → 404", async () => {
    const order = await createOrder({ amount: 5_000 });
    await postPayment(order.token);
    const payment = await latestPayment(order.orderId);
    fake.setStatus(payment.kaspiPaymentId ?? "", "PAID");
    fake.setAmount(payment.kaspiPaymentId ?? "", 50);
    expect((await recheck(payment.id)).body).toMatchObject({ result: { changed: false, current: "PENDING" } });
    fake.failNextGet();
    const down = await recheck(payment.id);
    expect([down.status, errorCodeOf(down)]).toEqual([503, "KASPI_UNAVAILABLE"]);
    expect((await recheck("pay_missing")).status).toBe(404);
  });
});
