import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { POST as checkoutRoute } from "@/app/api/bitrix24/checkout/route";
import { backoffMs, deliverDueNotifications } from "@/lib/outbox/delivery";
import { notificationTransport } from "@/lib/bitrix24/container";
import { checkoutKey, UNIFORM_CHECKOUT_ERROR } from "@/lib/bitrix24/checkout-access";
import { parsePhpForm } from "@/lib/bitrix24/checkout-request";
import { HANDLER_CODE, checkoutEndpoint, registerPaySystem } from "@/lib/bitrix24/register";
import { createBitrix24Client } from "@/lib/bitrix24/rest-client";
import { setKaspiGatewayForTests } from "@/lib/container";
import { db } from "@/lib/db";
import { env, resetEnvForTests } from "@/lib/env";
import { createFakeKaspiGateway, type FakeKaspiGateway } from "@/lib/kaspi/fake-gateway";
import { BASE, eventsOf, orderRow, outboxOf, payOrder, read, type Answer } from "../helpers";
import { Bitrix24StandIn } from "./rest-stand-in";

// The Bitrix24 connector in-process (route handlers, use cases, outbox delivery) against the REST
// stand-in over real HTTP: registration, the CHECKOUT_DATA endpoint, and sale.paysystem.pay.payment.

const portal = new Bitrix24StandIn();
let fake: FakeKaspiGateway;
let paySystemId = 0;
let nextPaymentId = 500;

beforeAll(async () => {
  await portal.start(3401);
  process.env.BITRIX_CONNECTOR = "bitrix24";
  process.env.BITRIX24_WEBHOOK_URL = portal.webhookUrl;
  resetEnvForTests();
  const registered = await registerPaySystem({
    client: createBitrix24Client({ webhookUrl: portal.webhookUrl }),
    appUrl: BASE,
  });
  expect(registered.ok).toBe(true);
  paySystemId = Number(portal.paySystems[0]?.ID);
});
afterAll(async () => {
  await portal.stop();
  delete process.env.BITRIX_CONNECTOR;
  delete process.env.BITRIX24_WEBHOOK_URL;
  resetEnvForTests();
  setKaspiGatewayForTests(undefined);
});
beforeEach(() => {
  fake = createFakeKaspiGateway();
  setKaspiGatewayForTests(fake);
});

function newPayment(sum = 12_500, over: { currency?: string; paySystemId?: number } = {}) {
  return portal.addPayment({ id: nextPaymentId++, sum, paySystemId: over.paySystemId ?? paySystemId, ...over });
}

/** Posts CHECKOUT_DATA the way the portal does (PHP-style form fields) through the real route. */
async function postCheckout(
  fields: Record<string, string>,
  contentType = "application/x-www-form-urlencoded",
): Promise<Answer> {
  const body = contentType.includes("json")
    ? JSON.stringify(parsePhpForm(new URLSearchParams(fields).toString()))
    : new URLSearchParams(fields).toString();
  return read(
    await checkoutRoute(
      new Request(checkoutEndpoint(BASE, checkoutKey(env().BITRIX_SHARED_SECRET)), {
        method: "POST",
        headers: { "Content-Type": contentType },
        body,
      }),
    ),
  );
}

/** A return page on the portal's own host (other hosts are dropped). */
const portalReturnUrl = () => `${new URL(portal.webhookUrl).origin}/pub/payment/ok/`;

function systemParams(p: { id: number; sum: number | string; paySystemId?: number; currency?: string }) {
  return {
    "BX_SYSTEM_PARAMS[PAYMENT_ID]": String(p.id),
    "BX_SYSTEM_PARAMS[PAYSYSTEM_ID]": String(p.paySystemId ?? paySystemId),
    "BX_SYSTEM_PARAMS[SUM]": String(p.sum),
    "BX_SYSTEM_PARAMS[CURRENCY]": p.currency ?? "KZT",
    "BX_SYSTEM_PARAMS[RETURN_URL]": portalReturnUrl(),
  };
}

describe("bitrix24:register", () => {
  it("registered the handler with CHECKOUT_DATA on our endpoint, CODES, and one pay system per person type", () => {
    const handler = portal.handlers.find((h) => h.CODE === HANDLER_CODE);
    expect(handler?.SETTINGS).toMatchObject({
      CURRENCY: ["KZT"],
      CHECKOUT_DATA: { ACTION_URI: checkoutEndpoint(BASE), METHOD: "POST" },
      CODES: { KASPI_CHECKOUT_BUYER_PHONE: expect.any(Object) },
    });
    expect(portal.paySystems.map((s) => [s.PERSON_TYPE_ID, s.ACTION_FILE])).toEqual([
      ["3", HANDLER_CODE],
      ["4", HANDLER_CODE],
    ]);
  });

  it("is idempotent: a second run adds nothing", async () => {
    const before = portal.calls.length;
    const again = await registerPaySystem({
      client: createBitrix24Client({ webhookUrl: portal.webhookUrl }),
      appUrl: BASE,
    });
    expect(again).toMatchObject({ ok: true });
    const methods = portal.calls.slice(before).map((c) => c.method);
    expect(methods.filter((m) => m.endsWith(".add") || m.endsWith(".update"))).toEqual([]);
    expect(portal.handlers).toHaveLength(1);
    expect(portal.paySystems).toHaveLength(2);
  });

  it("brings a handler with another app URL up to date (update, not a second add)", async () => {
    const moved = await registerPaySystem({
      client: createBitrix24Client({ webhookUrl: portal.webhookUrl }),
      appUrl: "https://pay.moved.example.kz",
    });
    expect(moved.ok && moved.actions[0]).toMatch(/^updated REST handler/);
    expect(portal.handlers).toHaveLength(1);
    const back = await registerPaySystem({
      client: createBitrix24Client({ webhookUrl: portal.webhookUrl }),
      appUrl: BASE,
    });
    expect(back.ok).toBe(true);
    expect((portal.handlers[0]?.SETTINGS.CHECKOUT_DATA as { ACTION_URI: string }).ACTION_URI).toBe(
      checkoutEndpoint(BASE),
    );
  });

  it("reports a REST error (wrong webhook code) without throwing", async () => {
    const result = await registerPaySystem({
      client: createBitrix24Client({ webhookUrl: portal.webhookUrl.replace(portal.code, "wrongcode") }),
      appUrl: BASE,
    });
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining("NO_AUTH_FOUND") });
  });
});

describe("POST /api/bitrix24/checkout", () => {
  it("confirms the payment over REST and answers PAYMENT_URL (our checkout)", async () => {
    const payment = newPayment(12_500);
    const answer = await postCheckout({ ...systemParams(payment), KASPI_CHECKOUT_BUYER_PHONE: "+7 701 234 56 78" });
    expect(answer.status).toBe(200);
    expect(answer.body.PAYMENT_URL).toMatch(new RegExp(`^${BASE}/pay/`));
    expect(portal.callsOf("sale.payment.get").at(-1)).toEqual({ id: String(payment.id) });
    const order = await db().order.findUniqueOrThrow({ where: { externalId: `b24-${paySystemId}-${payment.id}` } });
    expect(order).toMatchObject({ amount: 12_500, accountNumber: payment.accountNumber, phone: "+77012345678" });
    expect(order.returnUrl).toBe(portalReturnUrl());
  });

  it("drops a RETURN_URL on another host (no redirect through our checkout)", async () => {
    const payment = newPayment(12_600);
    const fields = { ...systemParams(payment), "BX_SYSTEM_PARAMS[RETURN_URL]": "https://evil.example/phish" };
    expect((await postCheckout(fields)).status).toBe(200);
    const order = await db().order.findUniqueOrThrow({ where: { externalId: `b24-${paySystemId}-${payment.id}` } });
    expect(order.returnUrl).toBeNull();
  });

  it("answers 404 without the installation's key in the ACTION_URI, and with a wrong one", async () => {
    const restCalls = portal.callsOf("sale.payment.get").length;
    for (const url of [`${BASE}/api/bitrix24/checkout`, `${BASE}/api/bitrix24/checkout?key=${"x".repeat(32)}`]) {
      const res = await checkoutRoute(
        new Request(url, {
          method: "POST",
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          body: "",
        }),
      );
      expect(res.status).toBe(404);
    }
    // Refused before the portal is asked anything.
    expect(portal.callsOf("sale.payment.get")).toHaveLength(restCalls);
  });

  it("accepts a JSON body too, and a repeat gives the same checkout", async () => {
    const payment = newPayment(9_990);
    const first = await postCheckout(systemParams(payment));
    const second = await postCheckout(systemParams(payment), "application/json");
    expect(second).toEqual(first);
  });

  it("drops a phone Kaspi cannot use instead of refusing the checkout", async () => {
    const payment = newPayment();
    const answer = await postCheckout({ ...systemParams(payment), KASPI_CHECKOUT_BUYER_PHONE: "+1 555 0100" });
    expect(answer.status).toBe(200);
  });

  const refusals: [string, () => Record<string, string>, number, string][] = [
    ["a forged sum", () => systemParams({ ...newPayment(12_500), sum: 100 }), 422, "PAYMENT_NOT_CONFIRMED"],
    [
      "a payment of another pay system",
      () => systemParams({ ...newPayment(12_500, { paySystemId: 999 }), paySystemId }),
      422,
      "PAYMENT_NOT_CONFIRMED",
    ],
    [
      "a pay system that is not Kaspi's",
      () => systemParams(newPayment(12_500, { paySystemId: 999 })),
      422,
      "PAYMENT_NOT_CONFIRMED",
    ],
    ["an unknown payment", () => systemParams({ id: 999_999, sum: 12_500 }), 422, "PAYMENT_NOT_CONFIRMED"],
    [
      "a non-KZT payment",
      () => systemParams({ ...newPayment(12_500, { currency: "RUB" }), currency: "RUB" }),
      422,
      "VALIDATION_FAILED",
    ],
    ["a fractional sum", () => systemParams({ ...newPayment(12_500.5), sum: "12500.50" }), 422, "INVALID_AMOUNT"],
    ["a missing PAYMENT_ID", () => ({ "BX_SYSTEM_PARAMS[SUM]": "100" }), 422, "VALIDATION_FAILED"],
  ];
  it.each(refusals)("refuses %s with PAYMENT_ERRORS", async (_name, fields, status, code) => {
    const answer = await postCheckout(fields());
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ PAYMENT_ERRORS: [expect.any(String)], error: { code } });
  });

  it("refuses a payment the portal already has as paid (409)", async () => {
    const payment = newPayment();
    payment.paid = "Y";
    const answer = await postCheckout(systemParams(payment));
    expect(answer).toMatchObject({ status: 409, body: { error: { code: "ORDER_ALREADY_PAID" } } });
  });

  it("answers 503 when the portal's REST is down or over its limit", async () => {
    const payment = newPayment();
    portal.fail("sale.payment.get", { error: "QUERY_LIMIT_EXCEEDED", description: "Too many requests", status: 503 });
    const answer = await postCheckout(systemParams(payment));
    expect(answer).toMatchObject({ status: 503, body: { error: { code: "BITRIX24_UNAVAILABLE" } } });
    // One uniform text for the caller; the portal's reason stays in the log.
    expect(String((answer.body.PAYMENT_ERRORS as string[])[0])).toBe(UNIFORM_CHECKOUT_ERROR);
  });
});

describe("outbox → sale.paysystem.pay.payment", () => {
  async function paidBitrix24Order(sum = 12_500) {
    const payment = newPayment(sum);
    const answer = await postCheckout(systemParams(payment));
    const checkoutUrl = String(answer.body.PAYMENT_URL);
    const externalId = `b24-${paySystemId}-${payment.id}`;
    const order = await db().order.findUniqueOrThrow({ where: { externalId } });
    const token = checkoutUrl.split("/pay/")[1] ?? "";
    const paid = await payOrder(fake, { orderId: order.id, checkoutUrl, token, externalId, amount: sum });
    return { payment, order, ...paid };
  }

  const deliver = (now = new Date()) =>
    deliverDueNotifications(
      db(),
      { notifyUrl: undefined, secret: "unused-0123456789", transport: notificationTransport() },
      "w1",
      now,
    );

  it("marks the portal payment paid with the Kaspi details, once, and says so on the timeline", async () => {
    const { payment, order, kaspiPaymentId } = await paidBitrix24Order();
    expect(await deliver()).toEqual({ delivered: 1, failed: 0 });
    expect(payment.paid).toBe("Y");
    expect(payment.paidTransitions).toBe(1);
    expect(payment.fields).toMatchObject({
      psInvoiceId: kaspiPaymentId,
      psSum: 12_500,
      psCurrency: "KZT",
      psStatus: "Y",
    });
    expect(portal.callsOf("sale.paysystem.pay.payment").at(-1)).toEqual({
      PAYMENT_ID: payment.id,
      PAY_SYSTEM_ID: paySystemId,
    });
    const delivered = (await eventsOf(order.id)).find((e) => e.type === "notify.delivered");
    expect(delivered?.message).toContain("sale.paysystem.pay.payment");
    expect(await deliver()).toEqual({ delivered: 0, failed: 0 });
    expect(payment.paidTransitions).toBe(1);
  });

  it("retries REST errors with the outbox backoff and shows them on the timeline", async () => {
    const { payment, order } = await paidBitrix24Order();
    portal.fail("sale.paysystem.pay.payment", {
      error: "ERROR_CHECK_FAILURE",
      description: "Pay system is not active",
      count: 2,
    });
    const t0 = new Date();
    expect(await deliver(t0)).toEqual({ delivered: 0, failed: 1 });
    const [row] = await outboxOf(order.id);
    expect(row).toMatchObject({
      attempts: 1,
      deliveredAt: null,
      lastError: expect.stringContaining("ERROR_CHECK_FAILURE"),
    });
    expect((row?.nextAttemptAt.getTime() ?? 0) - Date.now()).toBeGreaterThan(backoffMs(1) - 2_000);
    const failed = (await eventsOf(order.id)).find((e) => e.type === "notify.failed");
    expect(failed?.message).toBe(
      "payment.paid: sale.paysystem.pay.payment: ERROR_CHECK_FAILURE — Pay system is not active",
    );

    // Not due yet: nothing is sent.
    expect(await deliver(new Date())).toEqual({ delivered: 0, failed: 0 });
    const later = (ms: number) => new Date(Date.now() + ms);
    expect(await deliver(later(backoffMs(1) + 1_000))).toEqual({ delivered: 0, failed: 1 });
    expect(await deliver(later(backoffMs(2) + 1_000))).toEqual({ delivered: 1, failed: 0 });
    expect(payment).toMatchObject({ paid: "Y", paidTransitions: 1 });
    expect((await outboxOf(order.id))[0]).toMatchObject({ attempts: 3, deliveredAt: expect.any(Date) });
  });

  it("counts a payment the portal already has as paid as delivered (a lost answer, then a retry)", async () => {
    const { payment } = await paidBitrix24Order();
    payment.paid = "Y"; // paid by the first attempt, whose answer was lost
    payment.paidTransitions = 1;
    portal.fail("sale.paysystem.pay.payment", { error: "ERROR_CHECK_FAILURE", description: "Payment is already paid" });
    expect(await deliver()).toEqual({ delivered: 1, failed: 0 });
    expect(payment.paidTransitions).toBe(1);
  });

  it("retries when the portal cannot be reached, and a non-Bitrix24 order is a visible failure", async () => {
    const { order } = await paidBitrix24Order();
    portal.fail("sale.payment.update", { error: "INTERNAL_SERVER_ERROR", status: 500 });
    portal.fail("sale.payment.get", { error: "INTERNAL_SERVER_ERROR", status: 500 });
    expect(await deliver()).toEqual({ delivered: 0, failed: 1 });
    expect((await outboxOf(order.id))[0]?.lastError).toContain("sale.payment.update: INTERNAL_SERVER_ERROR");
    expect((await orderRow(order.id)).status).toBe("PAID");
  });
});

describe("parsePhpForm", () => {
  it("builds nested objects like PHP's $_POST and ignores prototype keys", () => {
    expect(parsePhpForm("a=1&b[c]=2&b[d][]=x&b[d][]=y&__proto__[p]=1&e[constructor]=z")).toEqual({
      a: "1",
      b: { c: "2", d: { "0": "x", "1": "y" } },
    });
  });
});
