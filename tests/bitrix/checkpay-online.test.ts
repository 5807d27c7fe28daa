import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Bitrix24StandIn } from "../bitrix24/rest-stand-in";
import { ensureBuild, eventually, phpAvailable, startApp, type Proc } from "../support/processes";
import { runBitrix24Register } from "../support/bitrix24-register-cli";
import { startBitrixSite, type BitrixSite } from "../support/bitrix-site";

// Nothing changes for Bitrix with check/pay and the Kaspi button (KASPI_PROTOCOL=checkpay, entry
// online by default; docs/kaspi.md §6, §8): end to end with real processes, once for the on-premise
// handler (php -S running handler.php) and once for Bitrix24 (the REST stand-in portal), the app
// (`npm start`, production build, Kaspi sandbox) POSTs the order to its /sandbox/kaspi/online, the
// shopper confirms in the sandbox's Kaspi app, which calls check and pay, and Bitrix gets the same
// payment.paid with Kaspi's txn_id as the payment id.

const SECRET = "checkpay-online-secret-0123456789";

type View = { status: string; paymentLink?: string; qr?: { format: string; value: string } };

async function startPayment(appUrl: string, token: string): Promise<{ view: View; kaspiId: string }> {
  const view = (await (await fetch(`${appUrl}/api/checkout/${token}/payment`, { method: "POST" })).json()) as View;
  return { view, kaspiId: /\/sandbox\/kaspi\/pay\/(\d+)$/.exec(view.paymentLink ?? "")?.[1] ?? "" };
}

async function confirm(appUrl: string, kaspiId: string) {
  const res = await fetch(`${appUrl}/sandbox/kaspi/test/payments/${kaspiId}/confirm`, { method: "POST" });
  const body = (await res.json()) as { status?: string; checkpay?: { command: string; result: number }[] };
  return { status: res.status, body };
}

const php = phpAvailable();
const SITE_PORT = 3440;
const SITE_APP_PORT = 3441;
const STATE = path.resolve(`data/checkpay-site-${process.pid}.json`);
const NOTIFY_TARGET = "/bitrix/tools/sale_ps_result.php?kaspi_checkout=Y";

type SiteState = { payments: Record<string, Record<string, string | number>>; notifications: { body: string }[] };

describe.skipIf(!php)("on-premise handler with check/pay + the Kaspi button, real processes", () => {
  let app: Proc | undefined;
  let site: BitrixSite | undefined;
  const siteState = async (): Promise<SiteState> => (await site?.state<SiteState>()) ?? { payments: {}, notifications: [] };

  beforeAll(async () => {
    await ensureBuild();
    site = await startBitrixSite({ port: SITE_PORT, appUrl: `http://127.0.0.1:${SITE_APP_PORT}`, secret: SECRET, stateFile: STATE });
    app = await startApp({
      port: SITE_APP_PORT,
      env: {
        KASPI_PROTOCOL: "checkpay",
        BITRIX_SHARED_SECRET: SECRET,
        BITRIX_NOTIFY_URL: `http://127.0.0.1:${SITE_PORT}${NOTIFY_TARGET}`,
        BITRIX_ORIGINS: `http://127.0.0.1:${SITE_PORT}`,
      },
    });
  }, 300_000);

  afterAll(async () => {
    await app?.stop();
    await site?.stop();
    for (const f of [STATE, `${STATE}.lock`]) rmSync(f, { force: true });
  });

  it("initiatePay → the Kaspi button (link + PNG) → check, pay → the Bitrix payment paid once with Kaspi's txn_id", async () => {
    const page = await (await fetch(`${site?.url}/checkout?payment=51&sum=7300.0000&account=1051`)).text();
    const checkoutUrl = /<iframe id="kaspi-checkout-51" src="([^"]+)"/.exec(page)?.[1] ?? "";
    expect(checkoutUrl, page).toMatch(new RegExp(`^${app?.url}/pay/`));
    const framed = await fetch(checkoutUrl);
    // The checkout page may post the Kaspi button's form to the sandbox's stand-in, nothing else.
    expect(framed.headers.get("content-security-policy")).toContain(
      `form-action 'self' ${app?.url}/sandbox/kaspi/online`,
    );

    const { view, kaspiId } = await startPayment(app?.url ?? "", checkoutUrl.split("/pay/")[1] ?? "");
    expect(view.status).toBe("PENDING");
    expect(kaspiId).not.toBe("");
    expect(view.qr?.format).toBe("png-base64");

    const confirmed = await confirm(app?.url ?? "", kaspiId);
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body.checkpay?.map((c) => [c.command, c.result])).toEqual([
      ["check", 0],
      ["pay", 0],
    ]);
    // The Kaspi app page offers the way back to the store's order page (Bitrix's returnUrl).
    const kaspiPage = await (await fetch(`${app?.url}/sandbox/kaspi/pay/${kaspiId}`)).text();
    expect(kaspiPage).toMatch(new RegExp(`href="http://127\\.0\\.0\\.1:${SITE_PORT}/personal/order/detail/1051/"`));

    const state = await eventually(siteState, (s) => s.payments["51"]?.PAID === "Y");
    expect(state.payments["51"]).toMatchObject({
      PAID: "Y",
      PAID_TRANSITIONS: 1,
      PS_STATUS_CODE: "PAID",
      PS_INVOICE_ID: kaspiId,
      PS_SUM: 7_300,
      PS_CURRENCY: "KZT",
    });
    expect(JSON.parse(state.notifications[0]?.body ?? "{}")).toMatchObject({
      event: "payment.paid",
      externalId: "51",
      amount: 7_300,
      kaspiPaymentId: kaspiId,
    });
  }, 60_000);
});

const PORTAL_PORT = 3442;
const PORTAL_APP_PORT = 3443;
const PORTAL_APP_URL = `http://127.0.0.1:${PORTAL_APP_PORT}`;

const register = (webhook: string) =>
  runBitrix24Register({ webhook, appUrl: PORTAL_APP_URL, secret: SECRET, mode: "checkout" });

describe("Bitrix24 with check/pay + the Kaspi button, real processes", () => {
  const portal = new Bitrix24StandIn();
  let app: Proc | undefined;

  beforeAll(async () => {
    await portal.start(PORTAL_PORT);
    await ensureBuild();
    app = await startApp({
      port: PORTAL_APP_PORT,
      env: {
        KASPI_PROTOCOL: "checkpay",
        BITRIX_SHARED_SECRET: SECRET,
        BITRIX_CONNECTOR: "bitrix24",
        BITRIX24_WEBHOOK_URL: portal.webhookUrl,
      },
    });
  }, 300_000);

  afterAll(async () => {
    await app?.stop();
    await portal.stop();
  });

  it("CHECKOUT_DATA → the Kaspi button → check, pay → sale.paysystem.pay.payment once, with Kaspi's txn_id", async () => {
    const registered = await register(portal.webhookUrl);
    expect(registered.status, registered.output).toBe(0);
    const paySystemId = Number(portal.paySystems[0]?.ID);
    const payment = portal.addPayment({ id: 88, sum: 6_400, paySystemId });
    const checkout = await portal.checkout(payment.id);
    if (!checkout.ok) throw new Error(`checkout refused: ${checkout.errors.join("; ")}`);

    const { view, kaspiId } = await startPayment(PORTAL_APP_URL, checkout.paymentUrl.split("/pay/")[1] ?? "");
    expect(view.qr?.format).toBe("png-base64");
    const confirmed = await confirm(PORTAL_APP_URL, kaspiId);
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);

    await eventually(
      async () => payment.paid,
      (paid) => paid === "Y",
      30_000,
    );
    expect(payment.paidTransitions).toBe(1);
    expect(payment.fields).toMatchObject({ psInvoiceId: kaspiId, psSum: 6_400, psCurrency: "KZT" });
    const payCalls = portal.callsOf("sale.paysystem.pay.payment");
    expect(payCalls).toHaveLength(1);
    expect(payCalls[0]).toMatchObject({ PAYMENT_ID: 88, PAY_SYSTEM_ID: paySystemId, PS_INVOICE_ID: kaspiId });
  }, 120_000);
});
