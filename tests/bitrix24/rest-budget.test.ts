import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { POST as checkoutRoute } from "@/app/api/bitrix24/checkout/route";
import { BUSY_CHECKOUT_ERROR } from "@/lib/bitrix24/checkout-access";
import { checkoutEndpoint } from "@/lib/bitrix24/register";
import { db } from "@/lib/db";
import { resetEnvForTests } from "@/lib/env";
import { BASE, read, type Answer } from "../helpers";
import { Bitrix24StandIn } from "./rest-stand-in";
import { connectWebhookPortal, installationKey } from "./webhook-portal";

// The checkout key is public in IFRAME_DATA mode (every shopper's page carries it), so what one
// caller can make the app spend of the store's Bitrix24 REST quota is budgeted: per payment and per
// store, before any REST call; and a repeat of a confirmed payment is answered without the portal.
// Budgets are per minute: each test starts in a fresh minute (the clock jumps ahead).

const PAYMENT_BUDGET = 6;
const STORE_BUDGET = 10;

const portal = new Bitrix24StandIn();
let paySystemId = 0;
let nextPaymentId = 7_000;
const key = installationKey;

beforeAll(async () => {
  paySystemId = await connectWebhookPortal(portal, 3402, {
    BITRIX24_REST_BUDGET_PAYMENT: String(PAYMENT_BUDGET),
    BITRIX24_REST_BUDGET_STORE: String(STORE_BUDGET),
  });
  vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
});
afterAll(async () => {
  vi.useRealTimers();
  await portal.stop();
  for (const name of [
    "BITRIX_CONNECTOR",
    "BITRIX24_WEBHOOK_URL",
    "BITRIX24_REST_BUDGET_PAYMENT",
    "BITRIX24_REST_BUDGET_STORE",
  ]) {
    delete process.env[name];
  }
  resetEnvForTests();
});
beforeEach(() => {
  // A new minute: the budgets' windows and the short-lived reuse of a confirmation are over.
  vi.setSystemTime(Date.now() + 5 * 60_000);
});

const newPayment = (sum = 12_500) => portal.addPayment({ id: nextPaymentId++, sum, paySystemId });
/** REST calls the portal has seen so far (every method). */
const restCalls = () => portal.calls.length;

function fieldsOf(p: { id: number; sum: number }, phone?: string): Record<string, string> {
  return {
    "BX_SYSTEM_PARAMS[PAYMENT_ID]": String(p.id),
    "BX_SYSTEM_PARAMS[PAYSYSTEM_ID]": String(paySystemId),
    "BX_SYSTEM_PARAMS[SUM]": String(p.sum),
    "BX_SYSTEM_PARAMS[CURRENCY]": "KZT",
    ...(phone ? { KASPI_CHECKOUT_BUYER_PHONE: phone } : {}),
  };
}

async function post(fields: Record<string, string>): Promise<Answer & { retryAfter: string | null }> {
  const res = await checkoutRoute(
    new Request(checkoutEndpoint(BASE, key()), {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    }),
  );
  const retryAfter = res.headers.get("retry-after");
  return { ...(await read(res)), retryAfter };
}

/** A used-up budget: still HTTP 200 (Bitrix24 reads only a 200's body), RATE_LIMITED + Retry-After. */
const isLimited = (answer: Answer) => (answer.body as { error?: { code?: string } }).error?.code === "RATE_LIMITED";

function expectRateLimited(answer: Answer & { retryAfter: string | null }) {
  expect(answer.status).toBe(200);
  // The app's error body (code from lib/errors.ts), plus PAYMENT_ERRORS for the IFRAME_DATA page.
  expect(answer.body).toEqual({
    PAYMENT_ERRORS: [BUSY_CHECKOUT_ERROR],
    error: {
      code: "RATE_LIMITED",
      message: BUSY_CHECKOUT_ERROR,
      details: { retryAfterSeconds: Number(answer.retryAfter) },
    },
  });
  expect(Number(answer.retryAfter)).toBeGreaterThan(0);
  expect(Number(answer.retryAfter)).toBeLessThanOrEqual(60);
}

describe("the per-payment REST budget", () => {
  it("lets N posts for one PAYMENT_ID make at most the budgeted REST calls; the rest get RATE_LIMITED with Retry-After", async () => {
    const payment = newPayment(12_500);
    const before = restCalls();
    // Someone with the public key guesses the sum: every guess would be a sale.payment.get.
    const answers = [];
    for (let guess = 1; guess <= 10; guess++) answers.push(await post(fieldsOf({ id: payment.id, sum: guess * 100 })));
    expect(restCalls() - before).toBeLessThanOrEqual(PAYMENT_BUDGET);
    const limited = answers.filter(isLimited);
    expect(limited.length).toBeGreaterThanOrEqual(10 - PAYMENT_BUDGET);
    for (const a of limited) expectRateLimited(a);
    // The refused posts did not reach the portal at all.
    expect(answers.slice(0, 2).some(isLimited)).toBe(false);

    // Another payment of the same store is not affected.
    const other = newPayment(8_000);
    const answer = await post(fieldsOf(other));
    expect(answer.status).toBe(200);
    expect(answer.body.PAYMENT_URL).toMatch(new RegExp(`^${BASE}/pay/`));
  });

  it("applies to a payment the portal does not know, too", async () => {
    const before = restCalls();
    const answers = [];
    for (let i = 0; i < 8; i++) answers.push(await post(fieldsOf({ id: 999_000, sum: 12_500 })));
    expect(restCalls() - before).toBeLessThanOrEqual(PAYMENT_BUDGET);
    expect(answers.filter(isLimited)).toHaveLength(8 - (restCalls() - before));
  });
});

describe("reuse of the first confirmation", () => {
  it("answers a retry of the same payment (the shopper's phone retry) without calling the portal again", async () => {
    const payment = newPayment(15_000);
    const before = restCalls();
    // A phone Kaspi cannot use: the app drops it and retries the intake, not the REST calls.
    const first = await post(fieldsOf(payment, "+1 555 0100"));
    expect(first.status).toBe(200);
    const afterFirst = restCalls();
    expect(portal.calls.slice(before).map((c) => c.method)).toEqual(["sale.payment.get", "sale.paysystem.list"]);

    const retry = await post(fieldsOf(payment, "+7 701 234 56 78"));
    const again = await post(fieldsOf(payment));
    expect(restCalls()).toBe(afterFirst);
    expect(retry.body).toEqual(first.body);
    expect(again.body).toEqual(first.body);
  });

  it("reads the portal again when the posted sum differs from the confirmed one: a changed payment is never served stale", async () => {
    const payment = newPayment(20_000);
    expect((await post(fieldsOf(payment))).status).toBe(200);
    const externalId = `b24-${paySystemId}-${payment.id}`;
    expect((await db().order.findFirstOrThrow({ where: { externalId } })).amount).toBe(20_000);

    // The store changes the payment's sum; the portal posts the new one.
    payment.sum = 21_000;
    const before = restCalls();
    const changed = await post(fieldsOf(payment));
    expect(changed.status).toBe(200);
    expect(portal.calls.slice(before).map((c) => c.method)).toContain("sale.payment.get");
    expect((await db().order.findFirstOrThrow({ where: { externalId } })).amount).toBe(21_000);

    // A stale page posting the old sum is checked against the portal again and refused.
    const stale = await post(fieldsOf({ id: payment.id, sum: 20_000 }));
    expect(stale.body).toMatchObject({ error: { code: "PAYMENT_NOT_CONFIRMED" } });
    expect((await db().order.findFirstOrThrow({ where: { externalId } })).amount).toBe(21_000);
  });

  it("does not reuse a confirmation the order mirror has moved past (another instance confirmed a newer sum)", async () => {
    const payment = newPayment(30_000);
    expect((await post(fieldsOf(payment))).status).toBe(200);
    const externalId = `b24-${paySystemId}-${payment.id}`;
    // Another instance confirms the changed sum: the mirror has it, this instance's reuse does not.
    payment.sum = 31_000;
    await db().order.update({ where: { storeId_externalId: { storeId: "default", externalId } }, data: { amount: 31_000 } });

    const before = restCalls();
    const stale = await post(fieldsOf({ id: payment.id, sum: 30_000 }));
    expect(portal.calls.slice(before).map((c) => c.method)).toEqual(["sale.payment.get"]);
    expect(stale.body).toMatchObject({ error: { code: "PAYMENT_NOT_CONFIRMED" } });
    expect((await db().order.findFirstOrThrow({ where: { externalId } })).amount).toBe(31_000);
  });

  it("does not reuse a confirmation once the order is paid here: the portal's own record refuses a late checkout", async () => {
    const payment = newPayment(11_000);
    expect((await post(fieldsOf(payment))).status).toBe(200);
    const externalId = `b24-${paySystemId}-${payment.id}`;
    // Paid through the app (and so on the portal) within the reuse window.
    await db().order.update({ where: { storeId_externalId: { storeId: "default", externalId } }, data: { status: "PAID" } });
    payment.paid = "Y";
    const before = restCalls();
    const late = await post(fieldsOf(payment));
    expect(portal.calls.slice(before).map((c) => c.method)).toEqual(["sale.payment.get"]);
    expect(late.body).toMatchObject({ error: { code: "ORDER_ALREADY_PAID" } });
  });

  it("reads the portal again once the reuse window is over", async () => {
    const payment = newPayment(9_000);
    expect((await post(fieldsOf(payment))).status).toBe(200);
    vi.setSystemTime(Date.now() + 5 * 60_000);
    payment.paid = "Y"; // paid some other way meanwhile
    const later = await post(fieldsOf(payment));
    expect(later.body).toMatchObject({ error: { code: "ORDER_ALREADY_PAID" } });
  });
});

describe("the per-store REST budget", () => {
  it("caps the REST calls across many PAYMENT_IDs", async () => {
    const before = restCalls();
    const answers = [];
    // Every post a different payment id (each under its own per-payment budget).
    for (let i = 0; i < 25; i++) answers.push(await post(fieldsOf({ id: 990_000 + i, sum: 12_500 })));
    expect(restCalls() - before).toBeLessThanOrEqual(STORE_BUDGET);
    const limited = answers.filter(isLimited);
    expect(limited.length).toBeGreaterThanOrEqual(25 - STORE_BUDGET);
    for (const a of limited) expectRateLimited(a);
  });
});
