import { randomBytes } from "node:crypto";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as appRoute } from "@/app/bitrix24/app/route";
import { POST as settingsRoute } from "@/app/bitrix24/app/settings/route";
import { POST as installRoute } from "@/app/bitrix24/install/route";
import { iframePageFor } from "@/app/bitrix24/pay/store-page";
import { checkoutUrlForPortal } from "@/lib/bitrix24/pay-frame";
import { HANDLER_CODE } from "@/lib/bitrix24/register";
import { db } from "@/lib/db";
import { env, resetEnvForTests } from "@/lib/env";
import { kaspiSettingsOf } from "@/lib/stores/kaspi-settings";
import { findStoreByMemberId, markUninstalled } from "@/lib/stores/store-repository";
import { proxy } from "@/proxy";
import {
  StandInOAuthPortal,
  StandInOAuthServer,
  withSaleMethods,
  type SaleState,
} from "@/tests/support/bitrix24-oauth-portal";
import { startRouteServer } from "@/tests/support/route-server";

// The app's page inside the portal (POST /bitrix24/app) and its settings form
// (POST /bitrix24/app/settings) against two stand-in portals that installed the app
// (tests/support/bitrix24-oauth-portal.ts; the page opening as settings/oauth/simple-way.md shows
// it, user.admin per user token as api-reference/common/users/user-admin.md): who sees what, who
// may change what, and that a token of one portal never opens or changes another portal's store.

const CLIENT_ID = "app.kaspicheckout.0002";
const CLIENT_SECRET = "client-secret-of-the-kaspi-app-0002";
const oauth = new StandInOAuthServer({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
const portalA = new StandInOAuthPortal(oauth);
const portalB = new StandInOAuthPortal(oauth);
const portalC = new StandInOAuthPortal(oauth);
let app: { port: number; close: () => Promise<void> };
let appUrl = "";
const sales = new Map<StandInOAuthPortal, SaleState>();
const ENV = ["APP_URL", "BITRIX24_CLIENT_ID", "BITRIX24_CLIENT_SECRET", "BITRIX24_OAUTH_URL", "STORE_SECRETS_KEY"];
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));

const page = () => `${appUrl}/bitrix24/app`;
const storeOf = async (portal: StandInOAuthPortal) => (await findStoreByMemberId(db(), portal.memberId))!;

/** A payment row of a store, as the checkout leaves it (whole tenge). */
async function paymentOf(storeId: string, orderNumber: string, amount: number, status: string) {
  const tag = randomBytes(6).toString("hex");
  await db().order.create({
    data: {
      id: `ord_${tag}`,
      storeId,
      externalId: orderNumber,
      accountNumber: orderNumber,
      amount,
      currency: "KZT",
      checkoutToken: randomBytes(24).toString("base64url"),
      status: status === "PAID" ? "PAID" : "PENDING",
      payments: {
        create: {
          id: `pay_${tag}`,
          storeId,
          attempt: 1,
          protocol: "ecom",
          kaspiExternalId: `${orderNumber}-1`,
          amount,
          status,
        },
      },
    },
  });
}

/** The settings form's hidden fields, read back from the page. */
function hidden(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) out[m[1]!] = m[2]!;
  return out;
}

async function save(fields: Record<string, string>, lang = "ru") {
  const res = await fetch(`${appUrl}/bitrix24/app/settings?LANG=${lang}`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

const frameAncestors = (headers: Headers) =>
  /frame-ancestors ([^;]+)/.exec(headers.get("content-security-policy") ?? "")?.[1];

beforeAll(async () => {
  await oauth.start();
  await Promise.all([portalA.start(), portalB.start(), portalC.start()]);
  for (const portal of [portalA, portalB, portalC]) sales.set(portal, withSaleMethods(portal));
  app = await startRouteServer({
    "/bitrix24/install": { POST: installRoute },
    "/bitrix24/app": { POST: appRoute },
    "/bitrix24/app/settings": { POST: settingsRoute },
  });
  appUrl = `http://127.0.0.1:${app.port}`;
  Object.assign(process.env, {
    APP_URL: appUrl,
    BITRIX24_CLIENT_ID: CLIENT_ID,
    BITRIX24_CLIENT_SECRET: CLIENT_SECRET,
    BITRIX24_OAUTH_URL: oauth.tokenUrl,
    STORE_SECRETS_KEY: randomBytes(32).toString("hex"),
  });
  resetEnvForTests();
  for (const portal of [portalA, portalB, portalC]) {
    const installed = await portal.install(`${appUrl}/bitrix24/install`);
    expect(installed.status, installed.text).toBe(200);
  }
  await paymentOf((await storeOf(portalA)).id, "A-1001", 12_500, "PAID");
  await paymentOf((await storeOf(portalB)).id, "B-2002", 7_000, "PAID");
});
afterAll(async () => {
  await app.close();
  await Promise.all([portalA.stop(), portalB.stop(), portalC.stop(), oauth.stop()]);
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetEnvForTests();
});

describe("the app's page inside Bitrix24 (POST /bitrix24/app)", () => {
  it("an administrator sees the settings form and the payments of its own store only, framed by its portal only", async () => {
    const opened = await portalA.openApp(page());
    expect(opened.status, opened.text).toBe(200);
    expect(opened.headers.get("content-type")).toMatch(/^text\/html/);
    expect(opened.headers.get("cache-control")).toBe("no-store");
    expect(frameAncestors(opened.headers)).toBe(`http://${portalA.domain}`);
    expect(opened.headers.get("x-frame-options")).toBeNull();
    expect(opened.text).toContain('<form method="post" action="/bitrix24/app/settings?LANG=ru">');
    expect(opened.text).toContain("Токен eCommerce API (не задан)");
    expect(opened.text).toContain("A-1001");
    expect(opened.text).toMatch(/12\s500 ₸/);
    expect(opened.text).not.toContain("B-2002");
    // The page's user.admin went to A's REST base with the frame's token.
    expect(portalA.callsOf("user.admin").length).toBeGreaterThan(0);
    const fields = hidden(opened.text);
    expect(fields).toMatchObject({ AUTH_ID: opened.authId, member_id: portalA.memberId });
    expect(fields.nonce).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
  });

  it("the proxy leaves the app's CSP to the route (Next keeps a proxy's header over the route's), and never takes DOMAIN for it", () => {
    for (const path of ["/bitrix24/app", "/bitrix24/app/settings"]) {
      const passed = proxy(new NextRequest(`${appUrl}${path}?DOMAIN=evil.example&PROTOCOL=1`, { method: "POST" }));
      expect(passed.headers.get("x-middleware-next")).toBe("1");
      expect(passed.headers.get("content-security-policy")).toBeNull();
      expect(passed.headers.get("x-frame-options")).toBeNull();
      // The request still carries this response's script nonce (x-middleware-request-*).
      expect(passed.headers.get("x-middleware-request-content-security-policy")).toContain("frame-ancestors 'none'");
      // GET is not an app page: the one gate answers 405, unframeable.
      const refused = proxy(new NextRequest(`${appUrl}${path}`, { method: "GET" }));
      expect(refused.status).toBe(405);
      expect(frameAncestors(refused.headers)).toBe("'none'");
    }
  });

  it("an administrator saves ecom in test mode: the row holds the protocol, the mode and the credentials encrypted; the page shows 'set', never the token", async () => {
    const opened = await portalA.openApp(page());
    const token = "ecom-token-of-portal-a-0123456789";
    const answer = await save({
      ...hidden(opened.text),
      protocol: "ecom",
      mode: "test",
      ecom_token: token,
      ecom_baseUrl: "",
    });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.text).toContain("Настройки сохранены.");
    expect(answer.text).toContain("Токен eCommerce API (задан)");
    expect(answer.text).not.toContain(token);
    expect(frameAncestors(answer.headers)).toBe(`http://${portalA.domain}`);
    const store = await storeOf(portalA);
    expect(store).toMatchObject({ kaspiProtocol: "ecom", mode: "test" });
    expect(store.kaspiSecrets).toBeTruthy();
    expect(store.kaspiSecrets).not.toContain(token);
    expect(kaspiSettingsOf(store, env().storeSecrets).credentials).toEqual({ protocol: "ecom", token });

    // A second save with the token left empty keeps it, and goes live.
    const again = await portalA.openApp(page());
    const live = await save({ ...hidden(again.text), protocol: "ecom", mode: "live", ecom_token: "" });
    expect(live.status, live.text).toBe(200);
    const after = await storeOf(portalA);
    expect(after.mode).toBe("live");
    expect(kaspiSettingsOf(after, env().storeSecrets).credentials).toEqual({ protocol: "ecom", token });
    // B's store is untouched.
    expect(await storeOf(portalB)).toMatchObject({ kaspiProtocol: null, kaspiSecrets: null, mode: "test" });
  });

  it("invalid settings are shown on the page (422), and nothing changes", async () => {
    const before = await storeOf(portalB);
    const opened = await portalB.openApp(page());
    const answer = await save({ ...hidden(opened.text), protocol: "qr", mode: "live", qr_apiKey: "short" });
    expect(answer.status).toBe(422);
    expect(answer.text).toContain("Настройки не сохранены");
    expect(answer.text).toContain("apiKey: is too short");
    expect(await storeOf(portalB)).toEqual(before);
  });

  it("a user who is not an administrator sees the settings and payments read-only; a save is refused (403) and nothing changes", async () => {
    const opened = await portalA.openApp(page(), { admin: false });
    expect(opened.status).toBe(200);
    expect(opened.text).not.toContain("<form");
    expect(opened.text).toContain("Изменять настройки могут только администраторы портала.");
    expect(opened.text).toContain("A-1001");
    expect(opened.text).toContain('<dd id="protocol">eCommerce API</dd>');
    const before = await storeOf(portalA);
    // With a valid nonce of an administrator's page too: the user's own token is what is checked.
    const adminPage = await portalA.openApp(page());
    const answer = await save({
      ...hidden(adminPage.text),
      AUTH_ID: opened.authId,
      protocol: "checkpay",
      mode: "test",
      checkpay_serviceId: "svc1",
    });
    expect(answer.status).toBe(403);
    expect(answer.text).toContain("Ничего не изменено");
    expect(await storeOf(portalA)).toEqual(before);
  });

  it("a save without the page's nonce, or with a nonce of another token, is refused (403) and nothing changes", async () => {
    const before = await storeOf(portalA);
    const one = await portalA.openApp(page());
    const two = await portalA.openApp(page());
    const form = { protocol: "checkpay", mode: "test", checkpay_serviceId: "svc1" };
    const missing = await save({ AUTH_ID: one.authId, member_id: portalA.memberId, ...form });
    const crossed = await save({ ...hidden(one.text), nonce: hidden(two.text).nonce!, ...form });
    expect([missing.status, crossed.status]).toEqual([403, 403]);
    expect(await storeOf(portalA)).toEqual(before);
  });

  it("portal B's AUTH_ID with portal A's member_id: refused on A's own REST, nothing shown, nothing changed", async () => {
    const before = await storeOf(portalA);
    const bCalls = portalB.calls.length;
    const crossed = await portalB.openApp(page(), {
      override: { body: { member_id: portalA.memberId }, query: { DOMAIN: portalB.domain } },
    });
    expect(crossed.status).toBe(401);
    expect(crossed.text).toContain("Не удалось подтвердить вход");
    expect(crossed.text).not.toContain("A-1001");
    expect(crossed.text).not.toContain("<form");
    expect(crossed.text).not.toContain("eCommerce");
    // Asked A (the store's REST base), never B (the request's DOMAIN).
    expect(portalB.calls.length).toBe(bCalls);
    // A save with B's admin token and a nonce made for it on B's page, aimed at A: refused.
    const bPage = await portalB.openApp(page());
    const answer = await save({ ...hidden(bPage.text), member_id: portalA.memberId, protocol: "ecom", mode: "test" });
    expect(answer.status).toBe(401);
    expect(await storeOf(portalA)).toEqual(before);
    // A forged token is refused the same way.
    const forged = await portalA.openApp(page(), { override: { body: { AUTH_ID: "f".repeat(32) } } });
    expect(forged.status).toBe(401);
    expect(forged.text).not.toContain("A-1001");
  });

  it("an unknown member_id and an uninstalled store are refused (404) without a REST call", async () => {
    const unknown = await portalA.openApp(page(), { override: { body: { member_id: "0".repeat(32) } } });
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain("не установлено");
    expect(frameAncestors(unknown.headers)).toBe("'none'");

    const store = await storeOf(portalC);
    expect(await markUninstalled(db(), store.id)).toBe(true);
    const calls = portalC.calls.length;
    const gone = await portalC.openApp(page());
    expect(gone.status).toBe(404);
    expect(gone.text).not.toContain("<form");
    expect(portalC.calls.length).toBe(calls);
    const saveGone = await save({ AUTH_ID: gone.authId, member_id: portalC.memberId, protocol: "ecom", mode: "test" });
    expect(saveGone.status).toBe(404);
    expect((await storeOf(portalC)).kaspiProtocol).toBeNull();
  });

  it("speaks Kazakh and English by LANG (kz read as kk), Russian by default", async () => {
    const kk = await portalA.openApp(page(), { lang: "kz" });
    expect(kk.text).toContain('<html lang="kk">');
    expect(kk.text).toContain("Соңғы төлемдер");
    // Statuses in the reader's language, not the internal code.
    expect(kk.text).toContain("<td>Төленді</td>");
    expect(kk.text).toContain("/bitrix24/app/settings?LANG=kk");
    const en = await portalA.openApp(page(), { lang: "en" });
    expect(en.text).toContain('<html lang="en">');
    expect(en.text).toContain("Latest payments");
    expect(en.text).toContain("<td>Paid</td>");
    expect(en.text).not.toContain("<td>PAID</td>");
    expect(en.text).toContain("eCommerce API token (set)");
    const other = await portalA.openApp(page(), { lang: "de" });
    expect(other.text).toContain('<html lang="ru">');
    const enSave = await save({ ...hidden(en.text), protocol: "ecom", mode: "live", ecom_token: "" }, "en");
    expect(enSave.text).toContain("Settings saved.");
  });

  it("escapes what it renders (an order number from the portal)", async () => {
    await paymentOf((await storeOf(portalB)).id, `<script>alert(1)</script>"`, 100, "FAILED");
    const opened = await portalB.openApp(page());
    expect(opened.text).not.toContain("<script>alert(1)");
    expect(opened.text).toContain("&lt;script&gt;alert(1)&lt;/script&gt;&quot;");
  });
});

describe("IFRAME_DATA for installed portals (/bitrix24/pay and the checkout it turns into)", () => {
  const handlerOf = (portal: StandInOAuthPortal) => sales.get(portal)!.handlers.find((h) => h.CODE === HANDLER_CODE);
  const origin = (portal: StandInOAuthPortal) => `http://${portal.domain}`;
  const payUri = (portal: StandInOAuthPortal) =>
    String((handlerOf(portal)?.SETTINGS.IFRAME_DATA as { ACTION_URI?: string } | undefined)?.ACTION_URI);

  it("the install registers IFRAME_DATA whose ACTION_URI carries the store's key and its portal's origin", async () => {
    for (const portal of [portalA, portalB]) {
      const settings = handlerOf(portal)?.SETTINGS;
      expect(settings).toHaveProperty("IFRAME_DATA");
      expect(settings).not.toHaveProperty("CHECKOUT_DATA");
      const uri = new URL(payUri(portal));
      expect(`${uri.origin}${uri.pathname}`).toBe(`${appUrl}/bitrix24/pay`);
      expect(uri.searchParams.get("key")).toBe((await storeOf(portal)).checkoutKey);
      expect(uri.searchParams.get("portal")).toBe(origin(portal));
    }
  });

  it("/bitrix24/pay of an installed store is framed by that portal only, and listens to it only", async () => {
    const a = new URL(payUri(portalA));
    const headers = proxy(new NextRequest(a, { method: "GET" })).headers;
    expect(frameAncestors(headers)).toBe(origin(portalA));
    expect(await iframePageFor(a.searchParams.get("key")!, origin(portalA))).toEqual({ portalOrigin: origin(portalA) });
    // A's key with B's origin, B's key with A's, an unknown key, no portal: no page (404).
    const b = new URL(payUri(portalB));
    expect(await iframePageFor(a.searchParams.get("key")!, origin(portalB))).toBeNull();
    expect(await iframePageFor(b.searchParams.get("key")!, origin(portalA))).toBeNull();
    expect(await iframePageFor("x".repeat(32), origin(portalA))).toBeNull();
    expect(await iframePageFor(a.searchParams.get("key")!, null)).toBeNull();
    // A remote http origin is never one the page is framed by; the default store's page keeps BITRIX_ORIGINS.
    const remote = proxy(new NextRequest(`${appUrl}/bitrix24/pay?key=k&portal=http%3A%2F%2Fevil.test`)).headers;
    expect(frameAncestors(remote)).toBe(frameAncestors(proxy(new NextRequest(`${appUrl}/bitrix24/pay?key=k`)).headers));
    expect(frameAncestors(remote)).not.toContain("evil.test");
  });

  it("an uninstalled store's page says the app is not connected (no origin to listen to)", async () => {
    const c = new URL(payUri(portalC));
    expect(await iframePageFor(c.searchParams.get("key")!, origin(portalC))).toEqual({ portalOrigin: null });
  });

  it("the checkout an installed portal's frame turns into is framed by that portal only when the URL's MAC binds it to the token", () => {
    const secret = env().bitrix24App!.clientSecret;
    const token = "a".repeat(43);
    const url = new URL(checkoutUrlForPortal(`${appUrl}/pay/${token}`, origin(portalA), secret));
    expect(frameAncestors(proxy(new NextRequest(url)).headers)).toBe(origin(portalA));
    const plain = frameAncestors(proxy(new NextRequest(`${appUrl}/pay/${token}`)).headers);
    // Another token with this MAC, or another portal with it: the default framing (BITRIX_ORIGINS).
    const otherToken = new URL(url);
    otherToken.pathname = `/pay/${"b".repeat(43)}`;
    const otherPortal = new URL(url);
    otherPortal.searchParams.set("portal", origin(portalB));
    for (const forged of [otherToken, otherPortal]) {
      expect(frameAncestors(proxy(new NextRequest(forged)).headers)).toBe(plain);
    }
    expect(plain).not.toContain(portalA.domain);
  });
});
