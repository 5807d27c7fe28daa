import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setKaspiGatewayForTests } from "@/lib/container";
import { db } from "@/lib/db";
import { resetEnvForTests } from "@/lib/env";
import { createFakeKaspiGateway, type FakeKaspiGateway } from "@/tests/support/fake-kaspi-gateway";
import { callbackBody, createOrder, errorCodeOf, eventsOf, latestPayment, postCallback, postPayment } from "../helpers";

// Issue section 5, POST /api/kaspi/callback: a door only under the eCommerce API, a forged body
// leaves no payload on the timeline, and a burst for one payment is one Kaspi read.

let fake: FakeKaspiGateway;
beforeEach(() => {
  fake = createFakeKaspiGateway();
  setKaspiGatewayForTests(fake);
});
afterEach(() => {
  delete process.env.KASPI_PROTOCOL;
  resetEnvForTests();
});

async function pending() {
  const order = await createOrder();
  expect((await postPayment(order.token)).status).toBe(200);
  const p = await latestPayment(order.orderId);
  return { order, p, body: (status: string) => callbackBody(p.kaspiPaymentId ?? "", p.kaspiExternalId, status) };
}

describe("callback hardening", () => {
  it.each(["qr", "checkpay"])(
    "answers 404 under KASPI_PROTOCOL=%s (no callbacks in that protocol)",
    async (protocol) => {
      process.env.KASPI_PROTOCOL = protocol;
      resetEnvForTests();
      const answer = await postCallback(callbackBody("kp-1", "x", "COMPLETED"));
      expect(answer.status).toBe(404);
      expect(errorCodeOf(answer)).toBe("NOT_FOUND");
    },
  );

  it("a body Kaspi contradicts is not stored on the timeline", async () => {
    const { order, body } = await pending();
    const forged = body("COMPLETED");
    (forged.data as Record<string, unknown>).status = "COMPLETED";
    expect((await postCallback(forged)).status).toBe(200);
    const events = await eventsOf(order.orderId);
    expect(events.some((e) => e.type === "callback.received")).toBe(false);
    expect(events.map((e) => e.data ?? "").join("")).not.toContain('"data":{"paymentId"');
  });

  it("a body Kaspi confirms is recorded after the confirmation", async () => {
    const { order, p, body } = await pending();
    fake.setStatus(p.kaspiPaymentId ?? "", "PAID");
    expect((await postCallback(body("COMPLETED"))).status).toBe(200);
    const types = (await eventsOf(order.orderId)).map((e) => e.type);
    expect(types.indexOf("callback.received")).toBeGreaterThan(types.indexOf("verification.result"));
  });

  it("repeats of a just-verified callback are coalesced into one Kaspi read; the reconciler looks soon", async () => {
    const { p, body } = await pending();
    for (let i = 0; i < 5; i++) expect((await postCallback(body("WAIT"))).status).toBe(200);
    expect(fake.calls.getPayment).toBe(1);
    const row = await db().payment.findUniqueOrThrow({ where: { id: p.id } });
    expect(row.nextCheckAt?.getTime() ?? Infinity).toBeLessThanOrEqual(Date.now() + 3_500);
  });

  it("concurrent callbacks share one Kaspi read", async () => {
    const { p, body } = await pending();
    fake.setStatus(p.kaspiPaymentId ?? "", "PAID");
    const answers = await Promise.all(Array.from({ length: 20 }, () => postCallback(body("COMPLETED"))));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(fake.calls.getPayment).toBe(1);
  });
});
