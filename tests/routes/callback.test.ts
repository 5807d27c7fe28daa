import { describe, expect, it } from "vitest";
import { POST as postCallbackRoute } from "@/app/api/kaspi/callback/route";
import { withFakeKaspi } from "@/tests/support/with-fake-kaspi";
import type { KaspiStatus } from "@/lib/kaspi/gateway";
import {
  BASE,
  callbackBody,
  createOrder,
  errorCodeOf,
  eventsOf,
  getStatus,
  jsonRequest,
  latestPayment,
  orderBody,
  orderRow,
  outboxOf,
  payOrder,
  postCallback,
  postOrderSigned,
  postPayment,
  read,
  type Answer,
} from "../helpers";

// POST /api/kaspi/callback: the callback body is only a hint; Kaspi's GET decides, once.

const fake = withFakeKaspi();

/** An order with an open Kaspi payment. */
async function pendingOrder(amount = 12_500) {
  const order = await createOrder({ amount });
  expect((await postPayment(order.token)).status).toBe(200);
  const payment = await latestPayment(order.orderId);
  const kaspiPaymentId = payment.kaspiPaymentId ?? "";
  const callback = (status: string) => callbackBody(kaspiPaymentId, payment.kaspiExternalId, status);
  return { ...order, kaspiPaymentId, paymentId: payment.id, callback };
}

/** Order and attempt still PENDING, no status change on the timeline, nothing queued for Bitrix. */
async function expectStillPending(orderId: string): Promise<string[]> {
  expect((await orderRow(orderId)).status).toBe("PENDING");
  expect((await latestPayment(orderId)).status).toBe("PENDING");
  expect(await outboxOf(orderId)).toHaveLength(0);
  const types = await typesOf(orderId);
  expect(count(types, "status.changed")).toBe(0);
  return types;
}

async function typesOf(orderId: string): Promise<string[]> {
  return (await eventsOf(orderId)).map((e) => e.type);
}

const count = (types: string[], type: string) => types.filter((t) => t === type).length;

describe("POST /api/kaspi/callback — malformed and unknown", () => {
  const raw = async (body: string, contentType = "application/json") =>
    read(
      await postCallbackRoute(
        new Request(`${BASE}/api/kaspi/callback`, { method: "POST", headers: { "Content-Type": contentType }, body }),
      ),
    );

  it.each<[string, () => Promise<Answer>, number, string]>([
    ["empty object", () => postCallback({}), 400, "BAD_REQUEST"],
    [
      "data missing paymentId",
      () => postCallback({ data: { externalId: "x", status: "COMPLETED" } }),
      400,
      "BAD_REQUEST",
    ],
    [
      "paymentId is a number",
      () => postCallback({ data: { paymentId: 1, externalId: "x", status: "COMPLETED" } }),
      400,
      "BAD_REQUEST",
    ],
    ["empty status", () => postCallback({ data: { paymentId: "p", externalId: "x", status: "" } }), 400, "BAD_REQUEST"],
    ["data is a string", () => postCallback({ data: "COMPLETED" }), 400, "BAD_REQUEST"],
    ["top-level array", () => postCallback([]), 400, "BAD_REQUEST"],
    ["paymentId too long", () => postCallback(callbackBody("p".repeat(101), "x", "COMPLETED")), 400, "BAD_REQUEST"],
    // PostgreSQL refuses a NUL byte in text: it must be refused before any query (it answered 500).
    ["a NUL byte in the status", () => postCallback(callbackBody("p", "x", "COMPLETED\u0000")), 400, "BAD_REQUEST"],
    ["a NUL byte in paymentId", () => postCallback(callbackBody("p\u0000", "x", "COMPLETED")), 400, "BAD_REQUEST"],
    ["a control character in externalId", () => postCallback(callbackBody("p", "x\u001b", "COMPLETED")), 400, "BAD_REQUEST"],
    ["not JSON", () => raw("data=1"), 400, "INVALID_JSON"],
    ["wrong content type", () => raw("{}", "text/plain"), 415, "UNSUPPORTED_MEDIA_TYPE"],
    [
      "oversize",
      () => raw(JSON.stringify({ data: { paymentId: "p", externalId: "x", status: "x".repeat(9000) } })),
      413,
      "PAYLOAD_TOO_LARGE",
    ],
  ])("%s → %s %s", async (_name, call, status, code) => {
    const answer = await call();
    expect({ status: answer.status, code: errorCodeOf(answer) }).toEqual({ status, code });
    expect(fake.calls.getPayment).toBe(0);
  });
});

// Issue 21, finding 5: the answer is no oracle for which payment ids exist. An unknown id gets what
// a callback Kaspi contradicts and one with another payment's externalId get: the same status,
// headers and bytes (the request id aside).
describe("POST /api/kaspi/callback — unknown ids answer like rejected callbacks", () => {
  const answerTo = async (body: unknown) => {
    const res = await postCallbackRoute(jsonRequest("/api/kaspi/callback", body));
    const headers = [...res.headers.entries()].filter(([name]) => name.toLowerCase() !== "x-request-id");
    return { status: res.status, headers, body: await res.text() };
  };

  it("unknown id, forged claim, wrong externalId: byte-identical answers", async () => {
    const order = await pendingOrder();
    const unknown = await answerTo(callbackBody("no-such-payment", "x", "COMPLETED"));
    const unknownWithItsExternalId = await answerTo(
      callbackBody(`${order.kaspiPaymentId}-0`, (await latestPayment(order.orderId)).kaspiExternalId, "COMPLETED"),
    );
    const forged = await answerTo(order.callback("COMPLETED")); // Kaspi says PENDING
    const wrongExternalId = await answerTo(callbackBody(order.kaspiPaymentId, "someone-else", "COMPLETED"));
    expect(forged).toEqual({ status: 200, headers: expect.any(Array), body: '{"status":"OK"}' });
    for (const answer of [unknown, unknownWithItsExternalId, wrongExternalId]) expect(answer).toEqual(forged);
    expect(fake.calls.getPayment).toBe(1);
    expect(count(await typesOf(order.orderId), "callback.rejected")).toBe(2);
  });
});

describe("POST /api/kaspi/callback — a forged callback delays the genuine one by at most a second", () => {
  it("forged COMPLETED (Kaspi: open), then the shopper pays: PAID well before the 3 s gap", async () => {
    const order = await pendingOrder();
    expect(await postCallback(order.callback("COMPLETED"))).toEqual({ status: 200, body: { status: "OK" } });
    expect(count(await typesOf(order.orderId), "callback.rejected")).toBe(1);

    fake.setStatus(order.kaspiPaymentId, "PAID");
    const sentAt = Date.now();
    expect(await postCallback(order.callback("COMPLETED"))).toEqual({ status: 200, body: { status: "OK" } });
    // Due RECHECK_MS (750 ms) after the forged round started; the margin is for a loaded machine.
    while ((await orderRow(order.orderId)).status !== "PAID") {
      expect(Date.now() - sentAt).toBeLessThan(1_500);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(fake.calls.getPayment).toBe(2);
    expect(await outboxOf(order.orderId)).toHaveLength(1);
  });
});

describe("POST /api/kaspi/callback — verified by GET", () => {
  it("GET says COMPLETED → order PAID, one outbox row, status.changed on the timeline", async () => {
    const order = await pendingOrder(12_500);
    fake.setStatus(order.kaspiPaymentId, "PAID");
    const answer = await postCallback(order.callback("COMPLETED"));
    expect(answer).toEqual({ status: 200, body: { status: "OK" } });
    expect(fake.calls.getPayment).toBe(1);

    const row = await orderRow(order.orderId);
    expect(row.status).toBe("PAID");
    expect(row.paidAt).toBeInstanceOf(Date);
    expect((await latestPayment(order.orderId)).status).toBe("PAID");
    expect((await getStatus(order.token)).body.status).toBe("PAID");

    const outbox = await outboxOf(order.orderId);
    expect(outbox).toHaveLength(1);
    expect(JSON.parse(outbox[0]!.payload)).toEqual({
      event: "payment.paid",
      mode: "sandbox",
      externalId: order.externalId,
      orderId: order.orderId,
      amount: 12_500,
      kaspiPaymentId: order.kaspiPaymentId,
      paidAt: row.paidAt?.toISOString(),
    });

    const events = await eventsOf(order.orderId);
    const changed = events.filter((e) => e.type === "status.changed");
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({
      source: "kaspi.callback",
      message: "PENDING → PAID",
      paymentId: order.paymentId,
    });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["callback.received", "verification.result"]));
  });

  it("100 concurrent identical callbacks → one status.changed and one outbox row", async () => {
    const order = await pendingOrder();
    fake.setStatus(order.kaspiPaymentId, "PAID");
    const answers = await Promise.all(Array.from({ length: 100 }, () => postCallback(order.callback("COMPLETED"))));
    const statuses = answers.map((a) => `${a.status} ${JSON.stringify(a.body)}`);
    expect(new Set(statuses)).toEqual(new Set(['200 {"status":"OK"}']));
    const types = await typesOf(order.orderId);
    expect(count(types, "status.changed")).toBe(1);
    // The first is verified before it is answered; the 99 copies that came while its round ran
    // joined a later round, which finds the payment settled and asks Kaspi nothing.
    expect(count(types, "callback.received")).toBe(1);
    expect(fake.calls.getPayment).toBe(1);
    expect(await outboxOf(order.orderId)).toHaveLength(1);
    expect((await orderRow(order.orderId)).status).toBe("PAID");
  });

  it("a duplicate after PAID answers OK and changes nothing", async () => {
    const order = await createOrder();
    const { kaspiPaymentId, kaspiExternalId } = await payOrder(fake, order);
    const answer = await postCallback(callbackBody(kaspiPaymentId, kaspiExternalId, "COMPLETED"));
    expect(answer).toEqual({ status: 200, body: { status: "OK" } });
    expect(count(await typesOf(order.orderId), "status.changed")).toBe(1);
    expect(await outboxOf(order.orderId)).toHaveLength(1);
  });

  it("claims COMPLETED but GET says PENDING → stays PENDING, callback.rejected", async () => {
    const order = await pendingOrder();
    const answer = await postCallback(order.callback("COMPLETED"));
    expect(answer).toEqual({ status: 200, body: { status: "OK" } });
    const types = await expectStillPending(order.orderId);
    expect(count(types, "callback.rejected")).toBe(1);
  });

  it("a PENDING callback that Kaspi confirms is accepted quietly", async () => {
    const order = await pendingOrder();
    expect(await postCallback(order.callback("WAIT"))).toEqual({ status: 200, body: { status: "OK" } });
    const types = await typesOf(order.orderId);
    expect(count(types, "callback.rejected")).toBe(0);
    expect(count(types, "status.changed")).toBe(0);
  });

  it("claims nothing useful but GET says COMPLETED → PAID (Kaspi's GET is the truth)", async () => {
    const order = await pendingOrder();
    fake.setStatus(order.kaspiPaymentId, "PAID");
    expect((await postCallback(order.callback("FAILED"))).status).toBe(200);
    expect((await orderRow(order.orderId)).status).toBe("PAID");
  });

  it.each<[string, KaspiStatus]>([
    ["FAILED", "FAILED"],
    ["EXPIRED", "EXPIRED"],
    ["CANCELLED", "CANCELLED"],
  ])("a %s callback after PAID leaves the order PAID (GET still COMPLETED)", async (claimed) => {
    const order = await createOrder();
    const { kaspiPaymentId, kaspiExternalId } = await payOrder(fake, order);
    expect(await postCallback(callbackBody(kaspiPaymentId, kaspiExternalId, claimed))).toEqual({
      status: 200,
      body: { status: "OK" },
    });
    expect((await orderRow(order.orderId)).status).toBe("PAID");
    expect(count(await typesOf(order.orderId), "status.changed")).toBe(1);
  });

  it.each<[string, KaspiStatus]>([
    ["FAILED", "FAILED"],
    ["EXPIRED", "EXPIRED"],
    ["CANCELLED", "CANCELLED"],
    ["PENDING", "PENDING"],
  ])("a late %s from Kaspi's own GET after PAID still leaves the order PAID", async (claimed, kaspiSays) => {
    const order = await createOrder();
    const { kaspiPaymentId, kaspiExternalId } = await payOrder(fake, order);
    fake.setStatus(kaspiPaymentId, kaspiSays);
    const answer = await postCallback(callbackBody(kaspiPaymentId, kaspiExternalId, claimed));
    expect(answer.status).toBe(200);
    expect((await orderRow(order.orderId)).status).toBe("PAID");
    expect((await latestPayment(order.orderId)).status).toBe("PAID");
    expect(count(await typesOf(order.orderId), "status.changed")).toBe(1);
    expect(await outboxOf(order.orderId)).toHaveLength(1);
  });

  it.each<[string, KaspiStatus]>([
    ["FAILED", "FAILED"],
    ["EXPIRED", "EXPIRED"],
  ])("GET says %s on an open payment → order %s", async (_claimed, status) => {
    const order = await pendingOrder();
    fake.setStatus(order.kaspiPaymentId, status);
    expect((await postCallback(order.callback(_claimed))).status).toBe(200);
    expect((await orderRow(order.orderId)).status).toBe(status);
    expect(await outboxOf(order.orderId)).toHaveLength(0);
  });

  it("a late COMPLETED after EXPIRED still pays (the money was taken)", async () => {
    const order = await pendingOrder();
    fake.setStatus(order.kaspiPaymentId, "EXPIRED");
    await postCallback(order.callback("EXPIRED"));
    fake.setStatus(order.kaspiPaymentId, "PAID");
    await postCallback(order.callback("COMPLETED"));
    expect((await orderRow(order.orderId)).status).toBe("PAID");
    expect(await outboxOf(order.orderId)).toHaveLength(1);
  });

  // When Bitrix changes the amount, the open attempt is cancelled only in our DB; its Kaspi link
  // stays payable. If the shopper pays it anyway, the money must show up as needing a refund.
  it("money taken on a cancelled attempt leaves a trace a merchant can act on", async () => {
    const order = await pendingOrder(10_000);
    await postOrderSigned(orderBody({ externalId: order.externalId, amount: 11_000 }));
    fake.setStatus(order.kaspiPaymentId, "PAID");
    expect((await postCallback(order.callback("COMPLETED"))).status).toBe(200);
    const quiet = new Set([
      "order.created",
      "payment.created",
      "payment.cancelled",
      "order.amount_changed",
      "callback.received",
      "verification.result",
    ]);
    expect((await typesOf(order.orderId)).filter((t) => !quiet.has(t))).not.toEqual([]);
  });

  it("amount mismatch from GET → rejected, not paid", async () => {
    const order = await pendingOrder(12_500);
    fake.setStatus(order.kaspiPaymentId, "PAID");
    fake.setAmount(order.kaspiPaymentId, 125);
    const answer = await postCallback(order.callback("COMPLETED"));
    expect(answer).toEqual({ status: 200, body: { status: "OK" } });
    expect((await orderRow(order.orderId)).status).toBe("PENDING");
    const events = await eventsOf(order.orderId);
    expect(events.filter((e) => e.type === "callback.rejected").map((e) => e.message)).toEqual([
      "Kaspi's amount 125 does not match 12500",
    ]);
    expect(await outboxOf(order.orderId)).toHaveLength(0);
  });

  it("externalId in the callback not matching the payment → rejected without asking Kaspi", async () => {
    const order = await pendingOrder();
    fake.setStatus(order.kaspiPaymentId, "PAID");
    const answer = await postCallback(callbackBody(order.kaspiPaymentId, "someone-else", "COMPLETED"));
    expect(answer.status).toBe(200);
    expect(fake.calls.getPayment).toBe(0);
    expect((await orderRow(order.orderId)).status).toBe("PENDING");
    expect(count(await typesOf(order.orderId), "callback.rejected")).toBe(1);
  });

  it("gateway unavailable → 503 KASPI_UNAVAILABLE and nothing changed", async () => {
    const order = await pendingOrder();
    fake.setStatus(order.kaspiPaymentId, "PAID");
    fake.failNextGet({ kind: "unavailable", message: "no answer within 10000 ms" });
    const answer = await postCallback(order.callback("COMPLETED"));
    expect({ status: answer.status, code: errorCodeOf(answer) }).toEqual({ status: 503, code: "KASPI_UNAVAILABLE" });
    const types = await expectStillPending(order.orderId);
    expect(count(types, "verification.failed")).toBe(1);

    // Kaspi retries the callback later and then it applies.
    expect(await postCallback(order.callback("COMPLETED"))).toEqual({ status: 200, body: { status: "OK" } });
    expect((await orderRow(order.orderId)).status).toBe("PAID");
  });

  it("an invalid answer from Kaspi's GET → 503 and nothing changed", async () => {
    const order = await pendingOrder();
    fake.setStatus(order.kaspiPaymentId, "PAID");
    fake.failNextGet({ kind: "invalid_response", message: "response is not JSON" });
    const answer = await postCallback(order.callback("COMPLETED"));
    expect(answer.status).toBe(503);
    expect((await orderRow(order.orderId)).status).toBe("PENDING");
  });
});
