import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuild, eventually, healthFigures, phpAvailable, startApp, type Proc } from "../support/processes";
import { startBitrixSite, type BitrixSite } from "../support/bitrix-site";

// The on-premise connector's refunds and edge cases across processes: the stand-in Bitrix site
// (php -S running the real handler.php inside the stand-in sale module) and the real app
// (`npm start`, Kaspi sandbox under the QR protocol's r3 scheme, which refunds directly).
// 1. A refund started in Bitrix ("return to the payment system" → IRefund → the app → Kaspi).
// 2. Refunds started in the merchant area reach Bitrix (payment.refunded): partial, then full.
// 3. A paid payment of an order cancelled in Bitrix: 410, final, never retried.

const php = phpAvailable();
const SECRET = "onprem-refunds-shared-secret-0123456789";
const SITE_PORT = 3432;
const APP_PORT = 3433;
const ROOT = path.resolve(".");
const STATE = path.resolve(`data/onprem-refunds-${process.pid}.json`);
const APP_DB = path.join(ROOT, "data", `xproc-${APP_PORT}.db`);

type SitePayment = Record<string, string | number> & { PAID: string; PAID_TRANSITIONS: number };
type SiteState = { payments: Record<string, SitePayment>; notifications: { body: string }[] };

describe.skipIf(!php)("on-premise refunds both ways, real processes", () => {
  let app: Proc | undefined;
  let site: BitrixSite | undefined;
  const siteState = async (): Promise<SiteState> => (await site?.state<SiteState>()) ?? { payments: {}, notifications: [] };
  const appUrl = `http://127.0.0.1:${APP_PORT}`;

  beforeAll(async () => {
    await ensureBuild();
    site = await startBitrixSite({ port: SITE_PORT, appUrl, secret: SECRET, stateFile: STATE });
    app = await startApp({
      port: APP_PORT,
      env: {
        BITRIX_SHARED_SECRET: SECRET,
        BITRIX_NOTIFY_URL: `http://127.0.0.1:${SITE_PORT}/bitrix/tools/sale_ps_result.php?kaspi_checkout=Y`,
        BITRIX_ORIGINS: `http://127.0.0.1:${SITE_PORT}`,
        KASPI_PROTOCOL: "qr",
        // r3 refunds directly (r1 has no refund call, r2 refunds through a return QR the customer
        // scans); r3 bodies carry the organization's BIN.
        KASPI_QR_SCHEME: "r3",
        KASPI_QR_ORGANIZATION_BIN: "123456789012",
      },
    });
  }, 300_000);

  afterAll(async () => {
    await app?.stop();
    await site?.stop();
    for (const f of [STATE, `${STATE}.lock`]) rmSync(f, { force: true });
  });

  /** The Bitrix payment step, then the shopper pays in the sandbox's Kaspi app. */
  async function payInBitrix(paymentId: number, sum: number, then?: () => Promise<void>): Promise<string> {
    const page = await (
      await fetch(`${site?.url}/checkout?payment=${paymentId}&sum=${sum}&account=${paymentId + 1000}`)
    ).text();
    const checkoutUrl = new RegExp(`<iframe id="kaspi-checkout-${paymentId}" src="([^"]+)"`).exec(page)?.[1] ?? "";
    expect(checkoutUrl, page).toMatch(/\/pay\//);
    expect(String((await siteState()).payments[String(paymentId)]?.PS_INVOICE_ID)).toMatch(/^ord_/);
    await then?.();
    const token = checkoutUrl.split("/pay/")[1] ?? "";
    const started = (await (
      await fetch(`${appUrl}/api/checkout/${token}/payment`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ device: "mobile" }),
      })
    ).json()) as { paymentLink?: string };
    const kaspiPaymentId = decodeURIComponent(
      /\/sandbox\/kaspi\/pay\/([^/?#]+)/.exec(started.paymentLink ?? "")?.[1] ?? "",
    );
    expect(kaspiPaymentId).not.toBe("");
    const confirm = await fetch(`${appUrl}/sandbox/kaspi/test/payments/${encodeURIComponent(kaspiPaymentId)}/confirm`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    expect(confirm.status).toBe(200);
    return kaspiPaymentId;
  }

  it("a refund started in Bitrix goes through the app to Kaspi and returns the Bitrix payment", async () => {
    const kaspiPaymentId = await payInBitrix(61, 9_000);
    await eventually(siteState, (s) => s.payments["61"]?.PAID === "Y", 30_000);
    expect((await siteState()).payments["61"]).toMatchObject({ PS_INVOICE_ID: kaspiPaymentId, PAID_TRANSITIONS: 1 });

    const returned = (await (await fetch(`${site?.url}/admin/return?payment=61`, { method: "POST" })).json()) as {
      ok: boolean;
      errors: string[];
    };
    expect(returned, JSON.stringify(returned)).toEqual({ ok: true, errors: [] });
    expect((await siteState()).payments["61"]).toMatchObject({ PAID: "N", IS_RETURN: "P", PS_STATUS_CODE: "REFUNDED" });

    // The app tells Bitrix about the refund it made; the handler acknowledges it, nothing changes.
    const refundedNotice = await eventually(
      siteState,
      (s) => s.notifications.some((n) => n.body.includes('"payment.refunded"') && n.body.includes('"externalId":"61"')),
      30_000,
    );
    expect(refundedNotice.payments["61"]).toMatchObject({ PAID: "N", IS_RETURN: "P" });
    const backlog = await eventually(
      async () => (await healthFigures(appUrl)).outboxBacklog,
      (n) => n === 0,
    );
    expect(backlog).toBe(0);
  }, 90_000);

  it("refunds made in the merchant area reach Bitrix: a partial one is recorded, the rest returns the payment", async () => {
    const kaspiPaymentId = await payInBitrix(62, 10_000);
    await eventually(siteState, (s) => s.payments["62"]?.PAID === "Y", 30_000);

    const email = `onprem-admin-${process.pid}@shop.test`;
    execFileSync(path.join(ROOT, "node_modules/.bin/tsx"), ["scripts/merchant-add-user.ts", email, "--role", "admin"], {
      cwd: ROOT,
      input: "onprem-admin-password-1\n",
      env: { ...process.env, DATABASE_URL: `file:${APP_DB}` },
      stdio: ["pipe", "pipe", "pipe"],
    });
    // The CLI takes seconds: a kept-alive connection may have been closed by the server meanwhile.
    await fetch(`${appUrl}/api/health`).catch(() => undefined);
    const login = await fetch(`${appUrl}/api/merchant/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: appUrl },
      body: JSON.stringify({ email, password: "onprem-admin-password-1" }),
    });
    expect(login.status, await login.clone().text()).toBe(200);
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const sqlite = new Database(APP_DB, { readonly: true });
    const { csrfToken } = sqlite
      .prepare("SELECT csrfToken FROM MerchantSession ORDER BY createdAt DESC LIMIT 1")
      .get() as {
      csrfToken: string;
    };
    const { id: paymentId } = sqlite.prepare("SELECT id FROM Payment WHERE kaspiPaymentId = ?").get(kaspiPaymentId) as {
      id: string;
    };
    sqlite.close();
    const refund = (amount: number) =>
      fetch(`${appUrl}/api/merchant/payments/${paymentId}/refund`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Origin: appUrl, Cookie: cookie, "X-CSRF-Token": csrfToken },
        body: JSON.stringify({ amount }),
      });

    const partial = await refund(4_000);
    expect(partial.status, await partial.clone().text()).toBe(200);
    const recorded = await eventually(
      siteState,
      (s) => s.payments["62"]?.PS_STATUS_CODE === "PARTIALLY_REFUNDED",
      30_000,
    );
    expect(recorded.payments["62"]).toMatchObject({ PAID: "Y" });
    expect(String(recorded.payments["62"]?.PS_STATUS_DESCRIPTION)).toContain("4000 KZT of 10000 KZT");

    const rest = await refund(6_000);
    expect(rest.status, await rest.clone().text()).toBe(200);
    const returned = await eventually(siteState, (s) => s.payments["62"]?.PAID === "N", 30_000);
    expect(returned.payments["62"]).toMatchObject({ IS_RETURN: "P", PS_STATUS_CODE: "REFUNDED", MARKED: "N" });
  }, 120_000);

  it("a payment of an order cancelled in Bitrix gets a final 410: one notification, no retries", async () => {
    await payInBitrix(63, 5_000, async () => {
      const cancelled = await fetch(`${site?.url}/admin/cancel?payment=63`, { method: "POST" });
      expect(cancelled.status).toBe(200);
    });
    const count = (s: SiteState) => s.notifications.filter((n) => n.body.includes('"externalId":"63"')).length;
    await eventually(siteState, (s) => count(s) === 1, 30_000);
    // The outbox's first retry would come after 5 s.
    await new Promise((r) => setTimeout(r, 7_000));
    const state = await siteState();
    expect(count(state)).toBe(1);
    expect(state.payments["63"]).toMatchObject({ PAID: "N" });
    const sqlite = new Database(APP_DB, { readonly: true });
    const events = sqlite
      .prepare(
        "SELECT e.type, e.message FROM PaymentEvent e JOIN \"Order\" o ON o.id = e.orderId WHERE o.externalId = '63' ORDER BY e.createdAt",
      )
      .all() as { type: string; message: string }[];
    sqlite.close();
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["notify.refused", "attention.order_cancelled"]));
  }, 90_000);
});
