import { checkoutKey, UNIFORM_CHECKOUT_ERROR } from "@/lib/bitrix24/checkout-access";
import { chromium, type Browser } from "playwright-core";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuild, eventually, startApp, type Proc } from "../support/processes";
import { Bitrix24StandIn } from "./rest-stand-in";
import { runBitrix24Register } from "../support/bitrix24-register-cli";

// The Bitrix24 connector in IFRAME_DATA mode (the register command's default) end to end with real
// processes: the register command against the REST stand-in portal, the app (`npm start`,
// production build, Kaspi sandbox), the portal's payment page (as RestHandler::getIframeTemplate
// renders it) in headless Chromium framing /bitrix24/pay and posting BX_SYSTEM_PARAMS to it, the
// page claiming the payment and turning into our checkout, the shopper paying in the sandbox, and
// the portal payment ending paid with the Kaspi id as PS_INVOICE_ID.

const PORTAL_PORT = 3430;
const APP_PORT = 3431;
const APP_URL = `http://127.0.0.1:${APP_PORT}`;
const SECRET = "bitrix24-iframe-secret-0123456789";
const KEY = checkoutKey(SECRET);
const IFRAME_URL = `${APP_URL}/bitrix24/pay?key=${KEY}`;
const PORTAL_ORIGIN = `http://127.0.0.1:${PORTAL_PORT}`;
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const register = (webhook: string) => runBitrix24Register({ webhook, appUrl: APP_URL, secret: SECRET });

describe("Bitrix24 connector, IFRAME_DATA mode, real processes", () => {
  const portal = new Bitrix24StandIn();
  let app: Proc | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    await portal.start(PORTAL_PORT);
    await ensureBuild();
    app = await startApp({
      port: APP_PORT,
      env: {
        BITRIX_SHARED_SECRET: SECRET,
        BITRIX_CONNECTOR: "bitrix24",
        BITRIX24_WEBHOOK_URL: portal.webhookUrl,
        BITRIX_ORIGINS: PORTAL_ORIGIN,
      },
    });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await portal.stop();
  });

  it("registers IFRAME_DATA by default; the page is framable by the portal only", async () => {
    const registered = await register(portal.webhookUrl);
    expect(registered.status, registered.output).toBe(0);
    expect(registered.output).toContain(`IFRAME_DATA → ${APP_URL}/bitrix24/pay`);
    // Without the installation's key the page does not exist.
    expect((await fetch(`${APP_URL}/bitrix24/pay`)).status).toBe(404);
    expect((await fetch(`${APP_URL}/bitrix24/pay?key=wrong-key`)).status).toBe(404);
    const page = await fetch(IFRAME_URL);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain(`frame-ancestors 'self' ${PORTAL_ORIGIN}`);
    expect(await page.text()).toContain("window.__bx24q");
  }, 120_000);

  it("a claim that is not the portal's payment gets PAYMENT_ERRORS, not a checkout", async () => {
    const paySystemId = Number(portal.paySystems[0]?.ID);
    const payment = portal.addPayment({ id: 90, sum: 8_000, paySystemId });
    const message = portal.iframe(payment.id).message as { BX_SYSTEM_PARAMS: Record<string, unknown> };
    const forged = await fetch(`${APP_URL}/api/bitrix24/checkout?key=${KEY}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ BX_SYSTEM_PARAMS: { ...message.BX_SYSTEM_PARAMS, SUM: 1 } }),
    });
    expect(forged.status).toBe(200);
    const body = (await forged.json()) as { PAYMENT_URL?: string; PAYMENT_ERRORS?: string[] };
    expect(body.PAYMENT_URL).toBeUndefined();
    expect(body.PAYMENT_ERRORS).toEqual([UNIFORM_CHECKOUT_ERROR]);
  });

  it.skipIf(!existsSync(CHROMIUM))(
    "the portal frames the page, posts BX_SYSTEM_PARAMS, the frame becomes our checkout, and the payment ends paid",
    async () => {
      const paySystemId = Number(portal.paySystems[0]?.ID);
      const payment = portal.addPayment({ id: 91, sum: 21_000, paySystemId, phone: "+7 701 555 44 33" });
      browser = await chromium.launch({ executablePath: CHROMIUM });
      const page = await browser.newPage();
      await page.goto(`${PORTAL_ORIGIN}/pub/payment/${payment.id}`);

      // The frame navigates from /bitrix24/pay to our checkout, which keeps the frame sized.
      const frame = await eventually(
        async () => page.frames().find((f) => f.url().startsWith(`${APP_URL}/pay/`)),
        (f) => f !== undefined,
        30_000,
      );
      const token = frame?.url().split("/pay/")[1] ?? "";
      expect(token).not.toBe("");
      const resizes = await eventually(
        async () => page.evaluate(() => (window as unknown as { __resizes: number[] }).__resizes.length),
        (n) => n > 0,
        15_000,
      );
      expect(resizes).toBeGreaterThan(0);

      // The shopper pays in the sandbox's Kaspi app.
      const started = (await (await fetch(`${APP_URL}/api/checkout/${token}/payment`, { method: "POST" })).json()) as {
        paymentLink: string;
      };
      const kaspiPaymentId = /\/sandbox\/kaspi\/pay\/([^/?#]+)/.exec(started.paymentLink)?.[1] ?? "";
      const confirm = await fetch(`${APP_URL}/sandbox/kaspi/test/payments/${kaspiPaymentId}/confirm`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: "{}",
      });
      expect(confirm.status).toBe(200);

      await eventually(
        async () => payment.paid,
        (paid) => paid === "Y",
        30_000,
      );
      expect(payment.paidTransitions).toBe(1);
      expect(payment.fields).toMatchObject({ psInvoiceId: kaspiPaymentId, psSum: 21_000, psCurrency: "KZT" });
    },
    90_000,
  );

  it.skipIf(!existsSync(CHROMIUM))(
    "a message from another origin is not a claim",
    async () => {
      const paySystemId = Number(portal.paySystems[0]?.ID);
      const payment = portal.addPayment({ id: 92, sum: 5_000, paySystemId });
      browser ??= await chromium.launch({ executablePath: CHROMIUM });
      const page = await browser.newPage();
      // Opened directly (no portal parent): a message posted by the page itself has the app's origin.
      await page.goto(IFRAME_URL);
      const message = portal.iframe(payment.id).message;
      await page.evaluate((m) => window.postMessage(m, "*"), message);
      await new Promise((r) => setTimeout(r, 1_500));
      expect(page.url()).toBe(IFRAME_URL);
      expect(await page.getByTestId("bitrix24-iframe").getAttribute("data-state")).toBe("waiting");
      expect(portal.callsOf("sale.payment.get").some((c) => c.id === String(payment.id))).toBe(false);
    },
    60_000,
  );
});
