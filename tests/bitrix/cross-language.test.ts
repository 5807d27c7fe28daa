import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signatureHeaders } from "@/lib/bitrix-onprem/signature";
import { startBitrixSite, type BitrixSite } from "../support/bitrix-site";
import {
  ensureBuild,
  eventually,
  phpAvailable,
  startApp,

  type Proc,
  healthFigures,
} from "../support/processes";

// The on-premise connector end to end, across languages and processes: a stand-in Bitrix site
// (php -S running the real handler.php) and the real app (`npm start`, production build, built-in
// Kaspi sandbox). PHP creates the order with a PHP-made signature; the test pays it in the
// sandbox; the app's worker sends its signed notification to the handler's notification URL; the
// handler re-checks with the app and the stand-in payment ends paid exactly once.

const php = phpAvailable();
const SECRET = "cross-language-shared-secret-0123456789";
const SITE_PORT = 3410;
const APP_PORT = 3411;
const STATE = path.resolve(`data/xlang-site-${process.pid}.json`);
const NOTIFY_TARGET = "/bitrix/tools/sale_ps_result.php?kaspi_checkout=Y";

/** A notification signed the way the app signs it (fresh nonce, POST, the handler's URI). */
function notifySignature(body: string, nowSeconds?: number): Record<string, string> {
  const request = { method: "POST", target: NOTIFY_TARGET, body };
  return signatureHeaders(SECRET, request, nowSeconds === undefined ? {} : { nowSeconds });
}

type SitePayment = Record<string, string | number> & { PAID: string; PAID_TRANSITIONS: number };
type SiteState = { payments: Record<string, SitePayment>; notifications: { body: string }[] };

describe.skipIf(!php)("on-premise handler (PHP) ⇄ app (TypeScript), real processes", () => {
  let app: Proc | undefined;
  let site: BitrixSite | undefined;
  const siteState = async (): Promise<SiteState> => (await site?.state<SiteState>()) ?? { payments: {}, notifications: [] };
  const notifyUrl = `http://127.0.0.1:${SITE_PORT}${NOTIFY_TARGET}`;

  beforeAll(async () => {
    await ensureBuild();
    site = await startBitrixSite({ port: SITE_PORT, appUrl: `http://127.0.0.1:${APP_PORT}`, secret: SECRET, stateFile: STATE });
    app = await startApp({
      port: APP_PORT,
      env: {
        BITRIX_SHARED_SECRET: SECRET,
        BITRIX_NOTIFY_URL: notifyUrl,
        BITRIX_ORIGINS: `http://127.0.0.1:${SITE_PORT}`,
      },
    });
  }, 300_000);

  afterAll(async () => {
    await app?.stop();
    await site?.stop();
    for (const f of [STATE, `${STATE}.lock`]) rmSync(f, { force: true });
  });

  it("PHP creates the order, the sandbox pays it, and the Bitrix payment ends paid exactly once", async () => {
    // 1. The Bitrix payment step: initiatePay posts the order (signed in PHP) and renders the iframe.
    const page = await (
      await fetch(`${site?.url}/checkout?payment=41&sum=12500.0000&account=1041&phone=8%20701%20234%2056%2078`)
    ).text();
    const checkoutUrl = /<iframe id="kaspi-checkout-41" src="([^"]+)"/.exec(page)?.[1] ?? "";
    expect(checkoutUrl, page).toMatch(new RegExp(`^${app?.url}/pay/`));
    expect(page).toContain(`var appOrigin = "${app?.url}";`);
    expect(page).toContain("Открыть страницу оплаты");
    const framed = await fetch(checkoutUrl);
    expect(framed.headers.get("content-security-policy")).toContain(
      `frame-ancestors 'self' http://127.0.0.1:${SITE_PORT}`,
    );

    // A reload of the payment step gives the same checkout (same order in the app).
    const again = await (await fetch(`${site?.url}/checkout?payment=41`)).text();
    expect(again).toContain(`src="${checkoutUrl}"`);

    // 2. The shopper opens Kaspi and confirms; Kaspi's callback is sent twice.
    const token = checkoutUrl.split("/pay/")[1] ?? "";
    const started = (await (await fetch(`${app?.url}/api/checkout/${token}/payment`, { method: "POST" })).json()) as {
      paymentLink: string;
    };
    const kaspiPaymentId = /\/sandbox\/kaspi\/pay\/([^/?#]+)/.exec(started.paymentLink)?.[1] ?? "";
    expect(kaspiPaymentId).not.toBe("");
    const confirm = await fetch(`${app?.url}/sandbox/kaspi/test/payments/${kaspiPaymentId}/confirm`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ duplicates: 2 }),
    });
    expect(confirm.status).toBe(200);

    // 3. The app's notification reaches the handler, which re-checks and marks the payment paid.
    const state = await eventually(siteState, (s) => s.payments["41"]?.PAID === "Y");
    expect(state.payments["41"]).toMatchObject({
      PAID: "Y",
      PAID_TRANSITIONS: 1,
      PS_STATUS: "Y",
      PS_STATUS_CODE: "PAID",
      PS_INVOICE_ID: kaspiPaymentId,
      PS_SUM: 12_500,
      PS_CURRENCY: "KZT",
    });
    const backlog = await eventually(
      async () => (await healthFigures(app?.url ?? "")).outboxBacklog,
      (n) => n === 0,
    );
    expect(backlog).toBe(0);

    // 4. The app's signature verified in PHP; PHP's GET re-check verified in the app. The same
    //    notification signed afresh (as the app's outbox signs every attempt, here in TypeScript)
    //    is acknowledged and changes nothing; that request sent again byte for byte (a captured
    //    one) is refused: its nonce is in the site's database (NonceStore.php).
    const body = state.notifications[0]?.body ?? "";
    expect(JSON.parse(body)).toMatchObject({ event: "payment.paid", externalId: "41", amount: 12_500, kaspiPaymentId });
    const resent = { method: "POST", headers: { "Content-Type": "application/json", ...notifySignature(body) }, body };
    const replay = await fetch(notifyUrl, resent);
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ status: "OK", alreadyPaid: true });
    const captured = await fetch(notifyUrl, resent);
    expect(captured.status).toBe(401);
    expect(((await captured.json()) as { error: { code: string } }).error.code).toBe("REPLAYED_SIGNATURE");

    // 5. Forged and stale notifications are refused with 401.
    const forged = body.replace("12500", "1");
    const stale = await fetch(notifyUrl, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        ...notifySignature(body, Math.floor(Date.now() / 1000) - 301),
      },
      body,
    });
    expect(stale.status).toBe(401);
    const tampered = await fetch(notifyUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...notifySignature(body) },
      body: forged,
    });
    expect(tampered.status).toBe(401);

    const final = await siteState();
    expect(final.payments["41"]?.PAID_TRANSITIONS).toBe(1);
    // The app sent one notification (the duplicate Kaspi callbacks made no second), then ours:
    // the re-signed one, the captured repeat, the stale one and the tampered one.
    expect(final.notifications).toHaveLength(5);
  });

  it("a notification for a payment the app does not have as PAID is refused (409) and the payment stays unpaid", async () => {
    const page = await (await fetch(`${site?.url}/checkout?payment=42&sum=7000&account=1042`)).text();
    expect(page).toContain('id="kaspi-checkout-42"');
    const body = JSON.stringify({
      event: "payment.paid",
      externalId: "42",
      orderId: "ord_x",
      amount: 7000,
      kaspiPaymentId: "forged",
      paidAt: new Date().toISOString(),
    });
    // Signed with the right secret (a leaked secret, or a bug in the app): the re-check still refuses.
    const res = await fetch(notifyUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...notifySignature(body) },
      body,
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("NOT_PAID");
    expect((await siteState()).payments["42"]).toMatchObject({ PAID: "N", PAID_TRANSITIONS: 0 });
  });
});
