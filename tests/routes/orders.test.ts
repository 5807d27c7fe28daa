import { describe, expect, it } from "vitest";
import { GET as getOrder } from "@/app/api/orders/[externalId]/route";
import { POST as postOrder } from "@/app/api/orders/route";
import { db } from "@/lib/db";
import { withFakeKaspi } from "@/tests/support/with-fake-kaspi";
import {
  BASE,
  createOrder,
  errorCodeOf,
  newExternalId,
  nowSeconds,
  orderBody,
  orderRow,
  params,
  payOrder,
  postOrderSigned,
  postPayment,
  read,
  signedRequest,
  type Answer,
} from "../helpers";

// POST /api/orders and GET /api/orders/{externalId}: the signed Bitrix intake.

const fake = withFakeKaspi();

async function getOrderSigned(externalId: string, options: Parameters<typeof signedRequest>[2] = {}): Promise<Answer> {
  const path = `/api/orders/${encodeURIComponent(externalId)}`;
  return read(
    await getOrder(signedRequest(path, null, options), params({ externalId: encodeURIComponent(externalId) })),
  );
}

describe("POST /api/orders — creating and repeating", () => {
  it("201 with orderId and a checkout URL under APP_URL", async () => {
    const body = orderBody({ amount: 12_500 });
    const answer = await postOrderSigned(body);
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ orderId: expect.stringMatching(/^ord_/), status: "CREATED" });
    expect(answer.body.checkoutUrl).toMatch(/^http:\/\/app\.test\/pay\/[A-Za-z0-9_-]{32}$/);
  });

  it("200 with the same order for the same externalId and amount", async () => {
    const body = orderBody();
    const first = await postOrderSigned(body);
    const second = await postOrderSigned(body);
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.orderId).toBe(first.body.orderId);
    expect(second.body.checkoutUrl).toBe(first.body.checkoutUrl);
    expect(await db().order.count({ where: { externalId: body.externalId as string } })).toBe(1);
  });

  it("concurrent copies of one intake make one order", async () => {
    const body = orderBody();
    const answers = await Promise.all(Array.from({ length: 5 }, () => postOrderSigned(body)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(new Set(answers.map((a) => a.body.orderId)).size).toBe(1);
  });

  it("a different amount on an unpaid order updates it", async () => {
    const order = await createOrder({ amount: 10_000 });
    const answer = await postOrderSigned(orderBody({ externalId: order.externalId, amount: 15_000 }));
    expect(answer.status).toBe(200);
    expect(answer.body.orderId).toBe(order.orderId);
    expect((await orderRow(order.orderId)).amount).toBe(15_000);
  });

  it("a different amount cancels the open Kaspi attempt of the old amount", async () => {
    const order = await createOrder({ amount: 10_000 });
    expect((await postPayment(order.token)).status).toBe(200);
    await postOrderSigned(orderBody({ externalId: order.externalId, amount: 15_000 }));
    const payments = await db().payment.findMany({ where: { orderId: order.orderId } });
    expect(payments.map((p) => [p.amount, p.status])).toEqual([[10_000, "CANCELLED"]]);
    expect((await orderRow(order.orderId)).status).toBe("CREATED");
  });

  it("409 ORDER_ALREADY_PAID for a different amount on a paid order; the same amount is still 200", async () => {
    const order = await createOrder({ amount: 20_000 });
    await payOrder(fake, order);
    const changed = await postOrderSigned(orderBody({ externalId: order.externalId, amount: 25_000 }));
    expect(changed.status).toBe(409);
    expect(errorCodeOf(changed)).toBe("ORDER_ALREADY_PAID");
    expect((await orderRow(order.orderId)).amount).toBe(20_000);
    const same = await postOrderSigned(orderBody({ externalId: order.externalId, amount: 20_000 }));
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ orderId: order.orderId, status: "PAID" });
  });

  it.each([
    ["87012345678", "+77012345678"],
    ["+7 (701) 234-56-78", "+77012345678"],
    ["77471234567", "+77471234567"],
  ])("stores phone %j as %s", async (phone, normalised) => {
    const order = await createOrder({ phone });
    expect((await orderRow(order.orderId)).phone).toBe(normalised);
  });

  it("an empty phone is no phone", async () => {
    const order = await createOrder({ phone: " " });
    expect((await orderRow(order.orderId)).phone).toBeNull();
  });
});

/** A signed intake whose body differs from a valid one by `overrides`: refused with 422 `code`. */
function invalidBody(name: string, overrides: Record<string, unknown>, code: string) {
  const body = JSON.stringify(orderBody(overrides));
  return { name, request: () => signedRequest("/api/orders", body), status: 422, code };
}

describe("POST /api/orders — errors", () => {
  const raw = (over: Record<string, unknown>) => JSON.stringify(orderBody(over));

  type ErrorCase = { name: string; request: () => Request; status: number; code: string };
  const cases: ErrorCase[] = [
    {
      name: "missing signature headers",
      request: () =>
        new Request(`${BASE}/api/orders`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: raw({}),
        }),
      status: 401,
      code: "MISSING_SIGNATURE",
    },
    {
      name: "missing timestamp",
      request: () => signedRequest("/api/orders", raw({}), { headers: { "X-Signature-Timestamp": "" } }),
      status: 401,
      code: "MISSING_SIGNATURE",
    },
    {
      name: "wrong secret",
      request: () => signedRequest("/api/orders", raw({}), { secret: "not-the-shared-secret-at-all" }),
      status: 401,
      code: "INVALID_SIGNATURE",
    },
    {
      name: "malformed signature",
      request: () => signedRequest("/api/orders", raw({}), { headers: { "X-Signature": "md5=abc" } }),
      status: 401,
      code: "INVALID_SIGNATURE",
    },
    {
      name: "body changed after signing",
      request: () => {
        const body = raw({ amount: 100 });
        const signed = signedRequest("/api/orders", body);
        return new Request(signed, { body: body.replace('"amount":100', '"amount":1000') });
      },
      status: 401,
      code: "INVALID_SIGNATURE",
    },
    {
      name: "stale signature (301 s old)",
      request: () => signedRequest("/api/orders", raw({}), { at: nowSeconds() - 301 }),
      status: 401,
      code: "STALE_SIGNATURE",
    },
    {
      name: "future signature (+301 s)",
      request: () => signedRequest("/api/orders", raw({}), { at: nowSeconds() + 301 }),
      status: 401,
      code: "STALE_SIGNATURE",
    },
    {
      name: "text/plain",
      request: () => signedRequest("/api/orders", raw({}), { contentType: "text/plain" }),
      status: 415,
      code: "UNSUPPORTED_MEDIA_TYPE",
    },
    {
      name: "form-encoded",
      request: () => signedRequest("/api/orders", "externalId=1", { contentType: "application/x-www-form-urlencoded" }),
      status: 415,
      code: "UNSUPPORTED_MEDIA_TYPE",
    },
    {
      name: "no content-type",
      request: () => signedRequest("/api/orders", raw({}), { contentType: null }),
      status: 415,
      code: "UNSUPPORTED_MEDIA_TYPE",
    },
    {
      name: "invalid JSON",
      request: () => signedRequest("/api/orders", '{"externalId":'),
      status: 400,
      code: "INVALID_JSON",
    },
    { name: "empty body", request: () => signedRequest("/api/orders", ""), status: 400, code: "INVALID_JSON" },
    {
      name: "oversize body (40 KB)",
      request: () => signedRequest("/api/orders", raw({ description: "x".repeat(40 * 1024) })),
      status: 413,
      code: "PAYLOAD_TOO_LARGE",
    },
    {
      name: "JSON nested 40 levels deep",
      request: () => signedRequest("/api/orders", `${"[".repeat(40)}${"]".repeat(40)}`),
      status: 400,
      code: "BAD_REQUEST",
    },
    {
      name: "oversize declared Content-Length",
      request: () => signedRequest("/api/orders", raw({}), { headers: { "Content-Length": String(10 * 1024 * 1024) } }),
      status: 413,
      code: "PAYLOAD_TOO_LARGE",
    },
    invalidBody("amount 0", { amount: 0 }, "INVALID_AMOUNT"),
    invalidBody("amount -5", { amount: -5 }, "INVALID_AMOUNT"),
    invalidBody("amount 12.5", { amount: 12.5 }, "INVALID_AMOUNT"),
    invalidBody('amount "100"', { amount: "100" }, "INVALID_AMOUNT"),
    invalidBody("amount 99 (below min)", { amount: 99 }, "INVALID_AMOUNT"),
    invalidBody("amount 5 000 001 (above max)", { amount: 5_000_001 }, "INVALID_AMOUNT"),
    invalidBody("amount missing", { amount: undefined }, "VALIDATION_FAILED"),
    invalidBody("amount null", { amount: null }, "INVALID_AMOUNT"),
    invalidBody("amount 1e21", { amount: 1e21 }, "INVALID_AMOUNT"),
    invalidBody("currency USD", { currency: "USD" }, "VALIDATION_FAILED"),
    invalidBody("externalId missing", { externalId: undefined }, "VALIDATION_FAILED"),
    invalidBody("externalId with # (reserved for attempt ids)", { externalId: "A#2" }, "VALIDATION_FAILED"),
    invalidBody("externalId with spaces", { externalId: "A 1" }, "VALIDATION_FAILED"),
    invalidBody("returnUrl javascript:", { returnUrl: "javascript:alert(1)" }, "VALIDATION_FAILED"),
    invalidBody("lang de", { lang: "de" }, "VALIDATION_FAILED"),
    {
      name: "body is an array",
      request: () => signedRequest("/api/orders", "[]"),
      status: 422,
      code: "VALIDATION_FAILED",
    },
    ...["123", "+79012345678", "89012345678", "+380501234567", "phone", "+7 701 234 56 7", "8701234567890"].map(
      (phone) => ({
        name: `phone ${JSON.stringify(phone)}`,
        request: () => signedRequest("/api/orders", raw({ phone })),
        status: 422,
        code: "INVALID_PHONE",
      }),
    ),
  ];

  it.each(cases)("$name → $status $code", async ({ request, status, code }) => {
    const answer = await read(await postOrder(request()));
    expect({ status: answer.status, code: errorCodeOf(answer) }).toEqual({ status, code });
    const error = (answer.body as { error: Record<string, unknown> }).error;
    expect(Object.keys(answer.body)).toEqual(["error"]);
    expect(error).toMatchObject({ code, message: expect.any(String) as string });
    expect(Object.keys(error).filter((k) => !["code", "message", "details"].includes(k))).toEqual([]);
  });

  it("a rejected intake stores nothing", async () => {
    const externalId = newExternalId("rejected");
    await postOrderSigned(orderBody({ externalId, amount: 0 }));
    await postOrderSigned(orderBody({ externalId, phone: "+79012345678" }));
    await postOrderSigned(orderBody({ externalId }), { secret: "not-the-shared-secret-at-all" });
    expect(await db().order.count({ where: { externalId } })).toBe(0);
  });

  it("error responses never contain the shared secret", async () => {
    const secret = process.env.BITRIX_SHARED_SECRET ?? "";
    const answer = await postOrderSigned(orderBody(), { secret: "not-the-shared-secret-at-all" });
    expect(JSON.stringify(answer.body)).not.toContain(secret);
  });
});

describe("GET /api/orders/{externalId}", () => {
  it("returns the view with the order's mode, signed over its method and path", async () => {
    const order = await createOrder({ amount: 7_700 });
    const answer = await getOrderSigned(order.externalId);
    expect(answer).toEqual({
      status: 200,
      body: {
        orderId: order.orderId,
        externalId: order.externalId,
        amount: 7_700,
        status: "CREATED",
        mode: "sandbox",
        refundedAmount: 0,
      },
    });
  });

  it("includes paidAt and kaspiPaymentId once paid", async () => {
    const order = await createOrder();
    const { kaspiPaymentId } = await payOrder(fake, order);
    const answer = await getOrderSigned(order.externalId);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      status: "PAID",
      kaspiPaymentId,
      paidAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string,
    });
  });

  it("finds externalIds with characters that need URL encoding", async () => {
    const order = await createOrder({ externalId: newExternalId("shop/42:") });
    const answer = await getOrderSigned(order.externalId);
    expect(answer.status).toBe(200);
    expect(answer.body.orderId).toBe(order.orderId);
  });

  it("malformed percent-encoding → 4xx, not 500", async () => {
    const answer = await read(await getOrder(signedRequest("/api/orders/x", null), params({ externalId: "%E0%A4%A" })));
    expect(answer.status).toBeLessThan(500);
  });

  it.each<[string, () => Promise<Answer>, number, string]>([
    ["unknown externalId", () => getOrderSigned("no-such-order"), 404, "NOT_FOUND"],
    [
      "unsigned",
      async () => read(await getOrder(new Request(`${BASE}/api/orders/x`), params({ externalId: "x" }))),
      401,
      "MISSING_SIGNATURE",
    ],
    ["wrong secret", () => getOrderSigned("x", { secret: "not-the-shared-secret-at-all" }), 401, "INVALID_SIGNATURE"],
    ["stale", () => getOrderSigned("x", { at: nowSeconds() - 301 }), 401, "STALE_SIGNATURE"],
    [
      "signed over a body instead of ''",
      async () => {
        const req = signedRequest("/api/orders/x", "{}", { method: "POST" });
        const get = new Request(`${BASE}/api/orders/x`, { headers: req.headers });
        return read(await getOrder(get, params({ externalId: "x" })));
      },
      401,
      "INVALID_SIGNATURE",
    ],
    ["invalid externalId", () => getOrderSigned("a b"), 422, "VALIDATION_FAILED"],
  ])("%s → %s %s", async (_name, call, status, code) => {
    const answer = await call();
    expect({ status: answer.status, code: errorCodeOf(answer) }).toEqual({ status, code });
  });
});
