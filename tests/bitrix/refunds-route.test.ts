import { describe, expect, it } from "vitest";
import { POST as refundRoute } from "@/app/api/orders/[externalId]/refunds/route";
import { setKaspiGatewayForTests } from "@/lib/container";
import { db } from "@/lib/db";
import { DEFAULT_STORE_ID } from "@/lib/stores/store-id";
import { deliverDueNotifications } from "@/lib/outbox/delivery";
import { ATTENTION } from "@/lib/outbox/delivery-outcome";
import { whereOf } from "@/lib/merchant/payments-query";
import { createFakeKaspiGateway } from "@/tests/support/fake-kaspi-gateway";
import { withFakeKaspi } from "@/tests/support/with-fake-kaspi";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createOrder,
  eventsOf,
  orderRow,
  outboxOf,
  params,
  payOrder,
  read,
  signedRequest,
  type Answer,
} from "../helpers";

// POST /api/orders/{externalId}/refunds (refunds started in the Bitrix admin) through the real
// route, and the outbox's final answers from the on-premise handler.

const fake = withFakeKaspi();

async function postRefund(externalId: string, body: unknown, options: { secret?: string } = {}): Promise<Answer> {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  const path = `/api/orders/${encodeURIComponent(externalId)}/refunds`;
  return read(
    await refundRoute(signedRequest(path, raw, options), params({ externalId: encodeURIComponent(externalId) })),
  );
}

async function paidOrder(amount = 12_000) {
  const order = await createOrder({ amount });
  const paid = await payOrder(fake, order);
  return { ...order, ...paid };
}

describe("POST /api/orders/{externalId}/refunds", () => {
  it("refunds through the Kaspi port, once per refundId, and Bitrix is told through the outbox", async () => {
    const order = await paidOrder();
    const first = await postRefund(order.externalId, { amount: 5_000, refundId: "bx-1" });
    expect(first).toEqual({
      status: 200,
      body: {
        refundId: "bx-1",
        status: "SUCCEEDED",
        amount: 5_000,
        refundedAmount: 5_000,
        paymentStatus: "PARTIALLY_REFUNDED",
      },
    });
    const again = await postRefund(order.externalId, { amount: 5_000, refundId: "bx-1" });
    expect(again.body).toMatchObject({ refundId: "bx-1", status: "SUCCEEDED", refundedAmount: 5_000 });
    expect(fake.calls.refund).toBe(1);
    const reused = await postRefund(order.externalId, { amount: 7_000, refundId: "bx-1" });
    expect(reused.status).toBe(409);
    const rest = await postRefund(order.externalId, { amount: 7_000, refundId: "bx-2" });
    expect(rest.body).toMatchObject({ status: "SUCCEEDED", paymentStatus: "REFUNDED", refundedAmount: 12_000 });
    expect((await orderRow(order.orderId)).status).toBe("REFUNDED");
    expect((await outboxOf(order.orderId)).filter((r) => r.event.startsWith("payment.refunded"))).toHaveLength(2);
  });

  it("says clearly when the Kaspi protocol cannot refund through the API", async () => {
    const order = await paidOrder();
    setKaspiGatewayForTests(
      createFakeKaspiGateway({ refundSupport: { supported: false, reason: "refund in Kaspi Business" } }),
    );
    const answer = await postRefund(order.externalId, { amount: 12_000, refundId: "bx-3" });
    expect(answer).toMatchObject({
      status: 409,
      body: {
        error: { code: "REFUND_UNSUPPORTED", message: expect.stringContaining("cannot refund through the API") },
      },
    });
  });

  const refusals: [string, () => Promise<[string, unknown, { secret?: string }?]>, number, string][] = [
    ["an unknown order", async () => ["nope-404", { amount: 1, refundId: "r" }], 404, "NOT_FOUND"],
    [
      "an unpaid order",
      async () => [(await createOrder()).externalId, { amount: 1, refundId: "r" }],
      409,
      "REFUND_NOT_ALLOWED",
    ],
    [
      "a fractional amount",
      async () => [(await paidOrder()).externalId, { amount: 1.5, refundId: "r" }],
      422,
      "VALIDATION_FAILED",
    ],
    [
      "a bad refundId",
      async () => [(await paidOrder()).externalId, { amount: 1, refundId: "a b" }],
      422,
      "VALIDATION_FAILED",
    ],
    [
      "too much",
      async () => [(await paidOrder(1_000)).externalId, { amount: 2_000, refundId: "r" }],
      422,
      "REFUND_TOO_LARGE",
    ],
    [
      "a wrong signature",
      async () => [
        (await paidOrder()).externalId,
        { amount: 1, refundId: "r" },
        { secret: "another-secret-0123456789" },
      ],
      401,
      "INVALID_SIGNATURE",
    ],
  ];
  it.each(refusals)("refuses %s", async (_name, make, status, code) => {
    const [externalId, body, options] = await make();
    const answer = await postRefund(externalId, body, options);
    expect(answer.status).toBe(status);
    expect((answer.body as { error: { code: string } }).error.code).toBe(code);
  });
});

describe("outbox: final answers of the on-premise handler", () => {
  async function storeAnswering(status: number, body: unknown) {
    const server = createServer((_req, res) => {
      res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`, close: () => server.close() };
  }
  const deliver = (url: string, now = new Date()) =>
    deliverDueNotifications(db(), { notifyUrl: url, secret: "notify-secret-0123456789" }, "w-final", now);

  it("410 ORDER_CANCELLED: not retried, on the timeline and in the needs-attention filter", async () => {
    const order = await paidOrder();
    const store = await storeAnswering(410, { error: { code: "ORDER_CANCELLED", message: "cancelled" } });
    try {
      // Other rows of the shared test database may be due too: ours is what is checked.
      await deliver(store.url);
      const [row] = await outboxOf(order.orderId);
      expect(row).toMatchObject({
        deliveredAt: null,
        attempts: 1,
        lastError: expect.stringContaining("final: HTTP 410"),
      });
      await deliver(store.url, new Date(Date.now() + 86_400_000 * 365));
      expect((await outboxOf(order.orderId))[0]?.attempts).toBe(1);
      const events = await eventsOf(order.orderId);
      expect(events.map((e) => e.type)).toEqual(
        expect.arrayContaining(["notify.refused", ATTENTION.ORDER_CANCELLED.type]),
      );
      expect(events.find((e) => e.type === ATTENTION.ORDER_CANCELLED.type)?.message).toBe(
        "paid, but the order was cancelled in Bitrix — refund",
      );
      const flagged = await db().payment.findMany({
        where: await whereOf(db(), DEFAULT_STORE_ID, { attention: "1" }),
        select: { orderId: true },
      });
      expect(flagged.map((p) => p.orderId)).toContain(order.orderId);
    } finally {
      store.close();
    }
  });

  it("422 SANDBOX_REFUSED is final without attention; other refusals are retried", async () => {
    const refused = await paidOrder();
    const store = await storeAnswering(422, { error: "SANDBOX_REFUSED" });
    try {
      await deliver(store.url);
      expect((await outboxOf(refused.orderId))[0]?.lastError).toContain("final: HTTP 422 SANDBOX_REFUSED");
      const flagged = await db().payment.findMany({
        where: await whereOf(db(), DEFAULT_STORE_ID, { attention: "1" }),
        select: { orderId: true },
      });
      expect(flagged.map((p) => p.orderId)).not.toContain(refused.orderId);
    } finally {
      store.close();
    }
    const retried = await paidOrder();
    const busy = await storeAnswering(422, { error: { code: "NOT_PAID", message: "x" } });
    try {
      await deliver(busy.url);
      const [row] = await outboxOf(retried.orderId);
      expect(row?.lastError).toBe("HTTP 422 NOT_PAID");
      expect(row!.nextAttemptAt.getTime()).toBeLessThan(Date.now() + 60_000);
    } finally {
      busy.close();
    }
  });
});
