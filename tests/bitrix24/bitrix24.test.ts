import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { POST as checkoutRoute } from "@/app/api/bitrix24/checkout/route";
import { backoffMs, deliverDueNotifications } from "@/lib/outbox/delivery";
import { notificationTransport } from "@/lib/bitrix24/container";
import { UNIFORM_CHECKOUT_ERROR } from "@/lib/bitrix24/checkout-access";
import { parsePhpForm } from "@/lib/bitrix24/checkout-request";
import { HANDLER_CODE, checkoutEndpoint, iframePage, registerPaySystem } from "@/lib/bitrix24/register";
import { createBitrix24Client } from "@/lib/bitrix24/rest-client";
import { setKaspiGatewayForTests } from "@/lib/container";
import { db } from "@/lib/db";
import { DEFAULT_STORE_ID } from "@/lib/stores/store-id";
import { resetEnvForTests } from "@/lib/env";
import { createFakeKaspiGateway, type FakeKaspiGateway } from "@/tests/support/fake-kaspi-gateway";
import { refundPayment } from "@/lib/payments/refund-use-case";
import { BASE, eventsOf, orderRow, outboxOf, payOrder, read, type Answer } from "../helpers";
import { Bitrix24StandIn } from "./rest-stand-in";
import { connectWebhookPortal, installationKey } from "./webhook-portal";

// The Bitrix24 connector in-process (route handlers, use cases, outbox delivery) against the REST
// stand-in over real HTTP: registration, the CHECKOUT_DATA endpoint, and sale.paysystem.pay.payment.

const portal = new Bitrix24StandIn();
let fake: FakeKaspiGateway;
let paySystemId = 0;
let nextPaymentId = 500;
const key = installationKey;

beforeAll(async () => {
  paySystemId = await connectWebhookPortal(portal, 3401);
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
      new Request(checkoutEndpoint(BASE, key()), {
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
  it("registered the handler with CHECKOUT_DATA on our endpoint, the phone among its FIELDS, and one pay system per order person type", () => {
    const handler = portal.handlers.find((h) => h.CODE === HANDLER_CODE);
    expect(handler?.SETTINGS).toMatchObject({
      CURRENCY: ["KZT"],
      CHECKOUT_DATA: {
        ACTION_URI: checkoutEndpoint(BASE, key()),
        METHOD: "POST",
        FIELDS: { KASPI_CHECKOUT_BUYER_PHONE: { CODE: "KASPI_CHECKOUT_BUYER_PHONE" } },
      },
      CODES: { KASPI_CHECKOUT_BUYER_PHONE: expect.any(Object) },
    });
    // Person type 5 belongs to another registry: skipped, not a failed run.
    expect(portal.paySystems.map((s) => [s.PERSON_TYPE_ID, s.ACTION_FILE])).toEqual([
      ["3", HANDLER_CODE],
      ["4", HANDLER_CODE],
    ]);
  });

  it("switches the handler to IFRAME_DATA with --mode iframe (the default), and back", async () => {
    const client = createBitrix24Client({ webhookUrl: portal.webhookUrl });
    const iframe = await registerPaySystem({ client, appUrl: BASE, checkoutKey: key() });
    // The printed actions leave the key out (public in IFRAME_DATA mode, but not spread further).
    expect(iframe.ok && iframe.actions).toContain(
      `updated REST handler ${HANDLER_CODE} (id ${portal.handlers[0]?.ID}), IFRAME_DATA → ${iframePage(BASE)}`,
    );
    expect(JSON.stringify(iframe.actions)).not.toContain(key());
    expect(iframe.ok && iframe.actions).toContain("skipped person type 5: its registry type is CRM_INVOICE, not ORDER");
    expect(portal.handlers[0]?.SETTINGS).toMatchObject({ IFRAME_DATA: { ACTION_URI: iframePage(BASE, key()) } });
    expect(portal.handlers[0]?.SETTINGS.CHECKOUT_DATA).toBeUndefined();
    const back = await registerPaySystem({ client, appUrl: BASE, mode: "checkout", checkoutKey: key() });
    expect(back.ok).toBe(true);
    expect(portal.handlers[0]?.SETTINGS.CHECKOUT_DATA).toBeDefined();
  });

  it("is idempotent: a second run adds nothing", async () => {
    const before = portal.calls.length;
    const again = await registerPaySystem({
      client: createBitrix24Client({ webhookUrl: portal.webhookUrl }),
      appUrl: BASE,
      mode: "checkout",
      checkoutKey: key(),
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
      mode: "checkout",
      checkoutKey: key(),
    });
    expect(moved.ok && moved.actions[0]).toMatch(/^updated REST handler/);
    expect(portal.handlers).toHaveLength(1);
    const back = await registerPaySystem({
      client: createBitrix24Client({ webhookUrl: portal.webhookUrl }),
      appUrl: BASE,
      mode: "checkout",
      checkoutKey: key(),
    });
    expect(back.ok).toBe(true);
    expect((portal.handlers[0]?.SETTINGS.CHECKOUT_DATA as { ACTION_URI: string }).ACTION_URI).toBe(
      checkoutEndpoint(BASE, key()),
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
  it("confirms the payment over REST and answers PAYMENT_URL (our checkout) and PAYMENT_ID (our order)", async () => {
    const payment = newPayment(12_500);
    const answer = await postCheckout({ ...systemParams(payment), KASPI_CHECKOUT_BUYER_PHONE: "+7 701 234 56 78" });
    expect(answer.status).toBe(200);
    expect(answer.body.PAYMENT_URL).toMatch(new RegExp(`^${BASE}/pay/`));
    expect(answer.body.PAYMENT_ID).toMatch(/^ord_/);
    expect(portal.callsOf("sale.payment.get").at(-1)).toEqual({ id: String(payment.id) });
    const order = await db().order.findFirstOrThrow({ where: { externalId: `b24-${paySystemId}-${payment.id}` } });
    expect(order).toMatchObject({ amount: 12_500, accountNumber: payment.accountNumber, phone: "+77012345678" });
    expect(order.returnUrl).toBe(portalReturnUrl());
  });

  it("drops a RETURN_URL on another host (no redirect through our checkout)", async () => {
    const payment = newPayment(12_600);
    const fields = { ...systemParams(payment), "BX_SYSTEM_PARAMS[RETURN_URL]": "https://evil.example/phish" };
    expect((await postCheckout(fields)).status).toBe(200);
    const order = await db().order.findFirstOrThrow({ where: { externalId: `b24-${paySystemId}-${payment.id}` } });
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

  // Bitrix decodes only a 200's body (sale/lib/helpers/rest/http.php): every refusal is a 200
  // with one uniform text for the shopper (PAYMENT_ERRORS and error.message); the reason is in
  // error.code and in the log, so a caller cannot tell which check failed from the text.
  const refusals: [string, () => Record<string, string>, string][] = [
    ["a forged sum", () => systemParams({ ...newPayment(12_500), sum: 100 }), "PAYMENT_NOT_CONFIRMED"],
    [
      "a payment of another pay system",
      () => systemParams({ ...newPayment(12_500, { paySystemId: 999 }), paySystemId }),
      "PAYMENT_NOT_CONFIRMED",
    ],
    [
      "a pay system that is not Kaspi's",
      () => systemParams(newPayment(12_500, { paySystemId: 999 })),
      "PAYMENT_NOT_CONFIRMED",
    ],
    ["an unknown payment", () => systemParams({ id: 999_999, sum: 12_500 }), "PAYMENT_NOT_CONFIRMED"],
    [
      "a non-KZT payment",
      () => systemParams({ ...newPayment(12_500, { currency: "RUB" }), currency: "RUB" }),
      "VALIDATION_FAILED",
    ],
    ["a fractional sum", () => systemParams({ ...newPayment(12_500.5), sum: "12500.50" }), "INVALID_AMOUNT"],
    ["a missing PAYMENT_ID", () => ({ "BX_SYSTEM_PARAMS[SUM]": "100" }), "VALIDATION_FAILED"],
  ];
  it.each(refusals)("refuses %s with 200 and the uniform PAYMENT_ERRORS", async (_name, fields, code) => {
    const answer = await postCheckout(fields());
    expect(answer).toEqual({
      status: 200,
      body: { PAYMENT_ERRORS: [UNIFORM_CHECKOUT_ERROR], error: { code, message: UNIFORM_CHECKOUT_ERROR } },
    });
  });

  it("refuses a payment the portal already has as paid", async () => {
    const payment = newPayment();
    payment.paid = "Y";
    const answer = await postCheckout(systemParams(payment));
    expect(answer).toEqual({
      status: 200,
      body: {
        PAYMENT_ERRORS: [UNIFORM_CHECKOUT_ERROR],
        error: { code: "ORDER_ALREADY_PAID", message: UNIFORM_CHECKOUT_ERROR },
      },
    });
  });

  it("refuses with the uniform text (BITRIX24_UNAVAILABLE) when the portal's REST is down or over its limit", async () => {
    const payment = newPayment();
    portal.fail("sale.payment.get", { error: "QUERY_LIMIT_EXCEEDED", description: "Too many requests", status: 503 });
    const answer = await postCheckout(systemParams(payment));
    // Always a 200 (Bitrix decodes only a 200's body); one uniform text, the reason in the log.
    expect(answer).toEqual({
      status: 200,
      body: {
        PAYMENT_ERRORS: [UNIFORM_CHECKOUT_ERROR],
        error: { code: "BITRIX24_UNAVAILABLE", message: UNIFORM_CHECKOUT_ERROR },
      },
    });
  });
});

describe("outbox → sale.paysystem.pay.payment", () => {
  async function paidBitrix24Order(sum = 12_500) {
    const payment = newPayment(sum);
    const answer = await postCheckout(systemParams(payment));
    const checkoutUrl = String(answer.body.PAYMENT_URL);
    const externalId = `b24-${paySystemId}-${payment.id}`;
    const order = await db().order.findFirstOrThrow({ where: { externalId } });
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
    expect(portal.callsOf("sale.paysystem.pay.payment").at(-1)).toMatchObject({
      PAYMENT_ID: payment.id,
      PAY_SYSTEM_ID: paySystemId,
      PS_INVOICE_ID: kaspiPaymentId,
      PS_SUM: 12_500,
      PS_CURRENCY: "KZT",
    });
    expect(portal.callsOf("sale.payment.update")).toEqual([]);
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
    portal.fail("sale.paysystem.pay.payment", { error: "INTERNAL_SERVER_ERROR", status: 500 });
    portal.fail("sale.payment.get", { error: "INTERNAL_SERVER_ERROR", status: 500 });
    expect(await deliver()).toEqual({ delivered: 0, failed: 1 });
    expect((await outboxOf(order.id))[0]?.lastError).toContain("sale.paysystem.pay.payment: INTERNAL_SERVER_ERROR");
    expect((await orderRow(order.id)).status).toBe("PAID");
  });
});

describe("outbox → a refund written onto the Bitrix24 payment", () => {
  it("records partial and full refunds with sale.payment.update (paySystemId included); the payment stays paid", async () => {
    const payment = newPayment(10_000);
    const answer = await postCheckout(systemParams(payment));
    const checkoutUrl = String(answer.body.PAYMENT_URL);
    const externalId = `b24-${paySystemId}-${payment.id}`;
    const order = await db().order.findFirstOrThrow({ where: { externalId } });
    const token = checkoutUrl.split("/pay/")[1] ?? "";
    await payOrder(fake, { orderId: order.id, checkoutUrl, token, externalId, amount: 10_000 });
    const deliver = () =>
      deliverDueNotifications(
        db(),
        { notifyUrl: undefined, secret: "unused-0123456789", transport: notificationTransport() },
        "w-refund",
      );
    await deliver();
    expect(payment.paid).toBe("Y");

    const paid = await db().payment.findFirstOrThrow({ where: { orderId: order.id, status: "PAID" } });
    const actor = { userId: "u1", email: "admin@shop.test" };
    expect(
      (
        await refundPayment(
          { db: db(), gateway: fake, storeId: DEFAULT_STORE_ID },
          { paymentId: paid.id, amount: 4_000, actor },
        )
      ).ok,
    ).toBe(true);
    await deliver();
    expect(portal.callsOf("sale.payment.update").at(-1)).toMatchObject({
      id: payment.id,
      fields: { paySystemId, psStatusCode: "PARTIALLY_REFUNDED" },
    });
    expect(String(payment.fields.psStatusDescription)).toContain("4\u00a0000");
    expect(
      (
        await refundPayment(
          { db: db(), gateway: fake, storeId: DEFAULT_STORE_ID },
          { paymentId: paid.id, amount: 6_000, actor },
        )
      ).ok,
    ).toBe(true);
    await deliver();
    expect(payment.fields.psStatusCode).toBe("REFUNDED");
    expect(payment.paid).toBe("Y");
    expect((await outboxOf(order.id)).every((r) => r.deliveredAt !== null)).toBe(true);
  });

  it("the stand-in refuses sale.payment.update without paySystemId, like the portal", async () => {
    const payment = newPayment();
    const client = createBitrix24Client({ webhookUrl: portal.webhookUrl });
    const answer = await client.call("sale.payment.update", { id: payment.id, fields: { psStatusCode: "X" } });
    expect(answer).toMatchObject({
      ok: false,
      error: "ERROR_CHECK_FAILURE",
      description: expect.stringContaining("paySystemId"),
    });
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
