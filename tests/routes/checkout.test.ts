import { describe, expect, it } from "vitest";
import { POST as postPaymentRoute } from "@/app/api/checkout/[token]/payment/route";
import { setKaspiGatewayForTests } from "@/lib/container";
import { db } from "@/lib/db";
import { createFakeKaspiGateway } from "@/tests/support/fake-kaspi-gateway";
import { withFakeKaspi } from "@/tests/support/with-fake-kaspi";
import { paymentViewSchema, statusViewSchema } from "@/lib/payments/checkout-views";
import {
  BASE,
  createOrder,
  errorCodeOf,
  eventsOf,
  getStatus,
  jsonRequest,
  latestPayment,
  orderBody,
  orderRow,
  params,
  payOrder,
  postOrderSigned,
  postPayment,
  read,
  type Answer,
} from "../helpers";

// The shopper's checkout API: POST .../payment (create or reuse the Kaspi payment) and
// GET .../status (the poll, from our mirror only).

const fake = withFakeKaspi();

describe("POST /api/checkout/{token}/payment", () => {
  it("creates one Kaspi payment with the order's amount, phone and URLs", async () => {
    const order = await createOrder({ amount: 12_500, phone: "8 701 234 56 78", accountNumber: "A-77" });
    const answer = await postPayment(order.token);
    expect(answer.status).toBe(200);
    const view = paymentViewSchema.parse(answer.body);
    expect(view).toMatchObject({
      status: "PENDING",
      attempt: 1,
      paymentLink: expect.stringMatching(/^https:\/\/pay\.kaspi\.test\//) as string,
    });
    expect(view.qr).toEqual({ format: "text", value: view.paymentLink });
    expect(Date.parse(view.expiresAt ?? "")).toBeGreaterThan(Date.now());
    expect(fake.created).toEqual([
      {
        externalId: order.externalId,
        amount: 12_500,
        description: "Demo store: order A-77",
        phone: "+77012345678",
        redirectUrl: `http://app.test/pay/${order.token}`,
        callbackUrl: "http://app.test/api/kaspi/callback",
        deviceId: order.orderId,
        // The check/pay protocol's account: Bitrix's account number.
        account: "A-77",
      },
    ]);
    const payment = await latestPayment(order.orderId);
    expect(payment).toMatchObject({ attempt: 1, status: "PENDING", amount: 12_500, kaspiExternalId: order.externalId });
    expect((await eventsOf(order.orderId)).map((e) => e.type)).toContain("payment.created");
  });

  it("10 concurrent POSTs make exactly one Kaspi payment", async () => {
    const order = await createOrder();
    const answers = await Promise.all(Array.from({ length: 10 }, () => postPayment(order.token)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(fake.calls.createPayment).toBe(1);
    expect(await db().payment.count({ where: { orderId: order.orderId } })).toBe(1);
    const links = new Set(answers.map((a) => a.body.paymentLink));
    expect(links.size).toBe(1);
    expect([...links][0]).toEqual(expect.any(String));
    for (const a of answers) expect(a.body).toMatchObject({ status: "PENDING", attempt: 1 });
  });

  it("repeated POSTs (reloads) reuse the payment", async () => {
    const order = await createOrder();
    const first = await postPayment(order.token);
    for (let i = 0; i < 5; i++) {
      expect(await postPayment(order.token)).toEqual(first);
    }
    expect(fake.calls.createPayment).toBe(1);
  });

  it("the browser cannot change the amount", async () => {
    const order = await createOrder({ amount: 30_000 });
    const answer = await postPayment(order.token, { amount: 1 });
    expect(answer.status).toBe(422);
    expect(errorCodeOf(answer)).toBe("VALIDATION_FAILED");
    expect(fake.calls.createPayment).toBe(0);
  });

  // Lets the creation lease of an unconfirmed attempt run out, as CREATION_RETRY_MS would.
  const leaseRunsOut = (orderId: string) =>
    db().payment.updateMany({ where: { orderId, status: "CREATED" }, data: { nextCheckAt: new Date(0) } });

  it("Kaspi unavailable → 503 KASPI_UNAVAILABLE; the attempt stays open and a retry completes it", async () => {
    const order = await createOrder();
    fake.failNextCreate({ kind: "unavailable", message: "no answer within 10000 ms" });
    const failed = await postPayment(order.token);
    expect(failed.status).toBe(503);
    expect(errorCodeOf(failed)).toBe("KASPI_UNAVAILABLE");
    expect((await latestPayment(order.orderId)).status).toBe("CREATED");
    expect(await eventsOf(order.orderId)).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: "payment.create_unconfirmed" })]),
    );

    await leaseRunsOut(order.orderId);
    const retry = await postPayment(order.token, { retryOf: 1 });
    expect(retry.body).toMatchObject({ status: "PENDING", attempt: 1 });
    expect(fake.calls.createPayment).toBe(2);
    expect(fake.created.map((c) => c.externalId)).toEqual([order.externalId]);
  });

  it("a lost answer to a create Kaspi did act on is recovered, not duplicated", async () => {
    const order = await createOrder();
    fake.loseNextCreateAnswer();
    expect((await postPayment(order.token)).status).toBe(503);
    expect(fake.created).toHaveLength(1);

    await leaseRunsOut(order.orderId);
    const retry = await postPayment(order.token);
    expect(retry.body).toMatchObject({ status: "PENDING", attempt: 1 });
    expect(fake.created).toHaveLength(1);
    expect((await latestPayment(order.orderId)).kaspiPaymentId).toBe([...fake.payments().keys()][0]);
  });

  it("while another request holds the creation lease, a concurrent one waits instead of calling Kaspi", async () => {
    const slow = createFakeKaspiGateway({ createDelayMs: 300 });
    setKaspiGatewayForTests(slow);
    const order = await createOrder();
    const answers = await Promise.all(Array.from({ length: 5 }, () => postPayment(order.token)));
    for (const a of answers) expect(a.body).toMatchObject({ status: "PENDING", attempt: 1 });
    expect(slow.calls.createPayment).toBe(1);
  });

  it("Kaspi rejects → 502 KASPI_REJECTED, attempt FAILED; only retryOf makes attempt 2", async () => {
    const order = await createOrder();
    fake.failNextCreate({ kind: "rejected", message: "Kaspi answered HTTP 400", httpStatus: 400 });
    const failed = await postPayment(order.token);
    expect(failed.status).toBe(502);
    expect(errorCodeOf(failed)).toBe("KASPI_REJECTED");
    expect((await latestPayment(order.orderId)).status).toBe("FAILED");
    expect((await orderRow(order.orderId)).status).toBe("FAILED");

    // A plain reload does not silently start another payment.
    const reload = await postPayment(order.token);
    expect(reload).toEqual({ status: 200, body: { status: "FAILED", attempt: 1 } });
    expect(fake.calls.createPayment).toBe(1);

    const retry = await postPayment(order.token, { retryOf: 1 });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ status: "PENDING", attempt: 2 });
    expect(fake.created.map((c) => c.externalId)).toEqual([`${order.externalId}#2`]);

    // Retrying the same failed attempt again, or concurrently, does not make attempt 3.
    const again = await Promise.all([
      postPayment(order.token, { retryOf: 1 }),
      postPayment(order.token, { retryOf: 1 }),
    ]);
    for (const a of again) expect(a.body).toMatchObject({ status: "PENDING", attempt: 2 });
    expect(fake.calls.createPayment).toBe(2);
  });

  it("a paid order answers PAID without calling Kaspi again", async () => {
    const order = await createOrder();
    await payOrder(fake, order);
    const before = fake.calls.createPayment;
    const answer = await postPayment(order.token, { retryOf: 1 });
    expect(answer).toEqual({ status: 200, body: { status: "PAID", attempt: 1 } });
    expect(fake.calls.createPayment).toBe(before);
  });

  it("after Bitrix changes the amount, the next POST makes a payment for the new amount", async () => {
    const order = await createOrder({ amount: 10_000 });
    await postPayment(order.token);
    await postOrderSigned(orderBody({ externalId: order.externalId, amount: 11_000 }));
    const answer = await postPayment(order.token);
    expect(answer.body).toMatchObject({ status: "PENDING", attempt: 2 });
    expect(fake.created.map((c) => c.amount)).toEqual([10_000, 11_000]);
  });

  it("after a failed attempt and an amount change, the next POST makes a payment for the new amount", async () => {
    const order = await createOrder({ amount: 10_000 });
    fake.failNextCreate();
    expect((await postPayment(order.token)).status).toBe(503);
    await postOrderSigned(orderBody({ externalId: order.externalId, amount: 11_000 }));
    const answer = await postPayment(order.token);
    expect(answer.body).toMatchObject({ status: "PENDING", attempt: 2 });
    expect(fake.created.map((c) => c.amount)).toEqual([11_000]);
  });

  type ErrorCase = { name: string; call: () => Promise<Answer>; status: number; code: string };
  const post = async (token: string, init: RequestInit) =>
    read(
      await postPaymentRoute(
        new Request(`${BASE}/api/checkout/${token}/payment`, { method: "POST", ...init }),
        params({ token }),
      ),
    );
  const validToken = "A".repeat(32);
  const cases: ErrorCase[] = [
    { name: "unknown token", call: () => postPayment(validToken), status: 404, code: "NOT_FOUND" },
    { name: "malformed token", call: () => postPayment("../../etc"), status: 404, code: "NOT_FOUND" },
    { name: "too short token", call: () => postPayment("abc"), status: 404, code: "NOT_FOUND" },
    {
      name: "invalid JSON",
      call: () => post(validToken, { headers: { "Content-Type": "application/json" }, body: "{" }),
      status: 400,
      code: "INVALID_JSON",
    },
    {
      name: "wrong content-type",
      call: () => post(validToken, { headers: { "Content-Type": "text/plain" }, body: "{}" }),
      status: 415,
      code: "UNSUPPORTED_MEDIA_TYPE",
    },
    {
      name: "oversize body",
      call: () =>
        post(validToken, {
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ pad: "x".repeat(2048) }),
        }),
      status: 413,
      code: "PAYLOAD_TOO_LARGE",
    },
    {
      name: "unknown field",
      call: () => postPayment(validToken, { amount: 1 }),
      status: 422,
      code: "VALIDATION_FAILED",
    },
    { name: "retryOf 0", call: () => postPayment(validToken, { retryOf: 0 }), status: 422, code: "VALIDATION_FAILED" },
    {
      name: "retryOf string",
      call: () => postPayment(validToken, { retryOf: "1" }),
      status: 422,
      code: "VALIDATION_FAILED",
    },
  ];

  it.each(cases)("$name → $status $code", async ({ call, status, code }) => {
    const answer = await call();
    expect({ status: answer.status, code: errorCodeOf(answer) }).toEqual({ status, code });
    expect(fake.calls.createPayment).toBe(0);
  });

  it("an empty JSON body is accepted like no body", async () => {
    const order = await createOrder();
    const answer = await read(
      await postPaymentRoute(jsonRequest(`/api/checkout/${order.token}/payment`, {}), params({ token: order.token })),
    );
    expect(answer.body).toMatchObject({ status: "PENDING", attempt: 1 });
  });
});

describe("GET /api/checkout/{token}/status", () => {
  it("returns the mirror's status and never calls Kaspi", async () => {
    const order = await createOrder();
    const created = await getStatus(order.token);
    expect(created.status).toBe(200);
    expect(statusViewSchema.parse(created.body).status).toBe("CREATED");

    await postPayment(order.token);
    const calls = { ...fake.calls };
    // Kaspi already says paid, but the poll must only read our mirror.
    fake.setStatus((await latestPayment(order.orderId)).kaspiPaymentId ?? "", "PAID");
    for (let i = 0; i < 5; i++) {
      const answer = await getStatus(order.token);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ status: "PENDING", updatedAt: expect.any(String) as string });
    }
    expect(fake.calls).toEqual(calls);
  });

  it("flips to PAID once the callback is verified", async () => {
    const order = await createOrder();
    await payOrder(fake, order);
    const calls = { ...fake.calls };
    const answer = await getStatus(order.token);
    expect(answer.body.status).toBe("PAID");
    expect(fake.calls).toEqual(calls);
  });

  it("never writes", async () => {
    const order = await createOrder();
    const before = await orderRow(order.orderId);
    const events = (await eventsOf(order.orderId)).length;
    await getStatus(order.token);
    expect(await orderRow(order.orderId)).toEqual(before);
    expect(await eventsOf(order.orderId)).toHaveLength(events);
  });

  it.each(["A".repeat(32), "nope", ""])("unknown token %j → 404 NOT_FOUND", async (token) => {
    const answer = await getStatus(token);
    expect({ status: answer.status, code: errorCodeOf(answer) }).toEqual({ status: 404, code: "NOT_FOUND" });
  });
});
