import { UNIFORM_CHECKOUT_ERROR } from "@/lib/bitrix24/checkout-access";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuild, eventually, startApp, type Proc, healthFigures } from "../support/processes";
import { Bitrix24StandIn } from "./rest-stand-in";
import { runBitrix24Register } from "../support/bitrix24-register-cli";

// The Bitrix24 connector in CHECKOUT_DATA mode end to end with real processes: the register command
// (--mode checkout) against the REST stand-in portal, the app (`npm start`, production build, Kaspi
// sandbox) with BITRIX_CONNECTOR=bitrix24, the portal posting CHECKOUT_DATA (and reading the answer
// the way RestHandler::initiateCheckoutPay does), the shopper paying in the sandbox, and the app's
// outbox calling sale.paysystem.pay.payment, through one REST failure. IFRAME_DATA mode:
// iframe-flow.test.ts.

const PORTAL_PORT = 3420;
const APP_PORT = 3421;
const APP_URL = `http://127.0.0.1:${APP_PORT}`;

const register = (webhook: string, mode = "checkout") =>
  runBitrix24Register({ webhook, appUrl: APP_URL, secret: "bitrix24-flow-secret-0123456789", mode });

describe("Bitrix24 connector, real processes", () => {
  const portal = new Bitrix24StandIn();
  let app: Proc | undefined;

  beforeAll(async () => {
    await portal.start(PORTAL_PORT);
    await ensureBuild();
    app = await startApp({
      port: APP_PORT,
      env: {
        BITRIX_SHARED_SECRET: "bitrix24-flow-secret-0123456789",
        BITRIX_CONNECTOR: "bitrix24",
        BITRIX24_WEBHOOK_URL: portal.webhookUrl,
      },
    });
  }, 300_000);

  afterAll(async () => {
    await app?.stop();
    await portal.stop();
  });

  it("npm run bitrix24:register registers the pay system and is safe to re-run", async () => {
    const first = await register(portal.webhookUrl);
    expect(first.status, first.output).toBe(0);
    expect(first.output).toContain(`added REST handler kaspi_checkout`);
    expect(first.output).toContain(`CHECKOUT_DATA → ${APP_URL}/api/bitrix24/checkout`);
    expect(first.output).toMatch(/added pay system \d+ "Kaspi Pay" for person type 3/);
    expect(first.output).toContain("skipped person type 5");
    const second = await register(portal.webhookUrl);
    expect(second.status, second.output).toBe(0);
    expect(second.output).toContain("is up to date");
    expect(second.output).not.toContain("added");
    expect(portal.handlers).toHaveLength(1);
    expect(portal.paySystems).toHaveLength(2);

    const wrong = await register(portal.webhookUrl.replace(portal.code, "wrong"));
    expect(wrong.status).toBe(1);
    expect(wrong.output).toContain("NO_AUTH_FOUND");
    const malformed = await register("https://portal.example.kz/not-a-webhook");
    expect(malformed.status).toBe(2);
    const badMode = await register(portal.webhookUrl, "popup");
    expect(badMode.status).toBe(2);
  }, 120_000);

  it("CHECKOUT_DATA → checkout → Kaspi sandbox → sale.paysystem.pay.payment, once, through a REST error", async () => {
    const paySystemId = Number(portal.paySystems[0]?.ID);
    const payment = portal.addPayment({ id: 77, sum: 15_000, paySystemId, phone: "8 701 234 56 78" });

    const checkout = await portal.checkout(payment.id);
    if (!checkout.ok) throw new Error(`checkout refused: ${checkout.errors.join("; ")}`);
    const paymentUrl = checkout.paymentUrl;
    expect(paymentUrl).toMatch(new RegExp(`^${APP_URL}/pay/`));
    // Bitrix keeps PAYMENT_ID (our order id) as PS_INVOICE_ID until the payment is paid.
    expect(payment.fields.psInvoiceId).toMatch(/^ord_/);
    // The phone travels as a declared FIELDS value (the only values Bitrix posts besides BX_SYSTEM_PARAMS).
    expect(portal.checkoutPosts[0]?.get("KASPI_CHECKOUT_BUYER_PHONE")).toBe("8 701 234 56 78");
    const token = paymentUrl.split("/pay/")[1] ?? "";

    // A forged sum gets no checkout: a 200 whose PAYMENT_ERRORS Bitrix shows the shopper, one
    // uniform text (the reason, the sum, is in the log).
    const forged = await portal.checkout(payment.id, { override: { "BX_SYSTEM_PARAMS[SUM]": "100.00" } });
    expect(forged).toMatchObject({ ok: false, status: 200, errors: [UNIFORM_CHECKOUT_ERROR] });

    // The portal refuses the first pay.payment: the outbox retries after its backoff (5 s).
    portal.fail("sale.paysystem.pay.payment", { error: "ERROR_CHECK_FAILURE", description: "Temporary failure" });

    const started = (await (await fetch(`${APP_URL}/api/checkout/${token}/payment`, { method: "POST" })).json()) as {
      paymentLink: string;
    };
    const kaspiPaymentId = /\/sandbox\/kaspi\/pay\/([^/?#]+)/.exec(started.paymentLink)?.[1] ?? "";
    const confirm = await fetch(`${APP_URL}/sandbox/kaspi/test/payments/${kaspiPaymentId}/confirm`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ duplicates: 1 }),
    });
    expect(confirm.status).toBe(200);

    await eventually(
      async () => payment.paid,
      (paid) => paid === "Y",
      30_000,
    );
    expect(payment.paidTransitions).toBe(1);
    // The portal payment is paid with the Kaspi id as PS_INVOICE_ID, from the pay.payment call itself.
    expect(payment.fields).toMatchObject({ psInvoiceId: kaspiPaymentId, psSum: 15_000, psCurrency: "KZT" });
    expect(portal.callsOf("sale.payment.update")).toEqual([]);
    const payCalls = portal.callsOf("sale.paysystem.pay.payment");
    expect(payCalls).toHaveLength(2); // the refused one and the retry
    expect(payCalls[1]).toMatchObject({ PAYMENT_ID: 77, PAY_SYSTEM_ID: paySystemId, PS_INVOICE_ID: kaspiPaymentId });

    const backlog = await eventually(
      async () => (await healthFigures(APP_URL)).outboxBacklog,
      (n) => n === 0,
    );
    expect(backlog).toBe(0);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(portal.callsOf("sale.paysystem.pay.payment")).toHaveLength(2);
    expect(payment.paidTransitions).toBe(1);

    // The checkout of a paid payment is refused by the portal's own record: the shopper sees the
    // uniform text, the reason stays in `error` for support.
    const late = await portal.checkout(payment.id);
    expect(late).toMatchObject({
      ok: false,
      status: 200,
      errors: [UNIFORM_CHECKOUT_ERROR],
      body: { ERROR: { code: "ORDER_ALREADY_PAID" } },
    });
  }, 60_000);
});
