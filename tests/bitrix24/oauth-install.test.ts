import { randomBytes } from "node:crypto";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { POST as checkoutRoute } from "@/app/api/bitrix24/checkout/route";
import { POST as eventsRoute } from "@/app/bitrix24/events/route";
import { POST as installRoute } from "@/app/bitrix24/install/route";
import { POST as refundRoute } from "@/app/api/merchant/payments/[id]/refund/route";
import { UNIFORM_CHECKOUT_ERROR } from "@/lib/bitrix24/checkout-access";
import { installApp } from "@/lib/bitrix24/install-use-case";
import { HANDLER_CODE } from "@/lib/bitrix24/register";
import {
  bitrix24AppDeps,
  kaspiGateway,
  outboxTransport,
  setKaspiGatewayForTests,
  setStoreKaspiGatewayForTests,
  storeGatewayFor,
} from "@/lib/container";
import { db } from "@/lib/db";
import { env, resetEnvForTests } from "@/lib/env";
import { pollQrPayments } from "@/lib/payments/qr-poll-use-case";
import { saveKaspiSettings } from "@/lib/stores/kaspi-settings";
import { deliverDueNotifications } from "@/lib/outbox/delivery";
import { findStoreByMemberId } from "@/lib/stores/store-repository";
import { proxy } from "@/proxy";
import { createFakeKaspiGateway, type FakeKaspiGateway } from "@/tests/support/fake-kaspi-gateway";
import {
  StandInOAuthPortal,
  StandInOAuthServer,
  withSaleMethods,
  type SaleState,
} from "@/tests/support/bitrix24-oauth-portal";
import { startRouteServer } from "@/tests/support/route-server";
import { latestPayment, orderRow, payOrder, postPayment } from "../helpers";
import { merchantRequest, read, signedIn } from "../merchant/merchant-helpers";

// The Bitrix24 OAuth app in-process (the install, events and checkout route handlers on a real
// HTTP server, the outbox delivery) against two stand-in portals and one authorization server at
// once (tests/support/bitrix24-oauth-portal.ts): install → handler, pay systems and ONAPPUNINSTALL
// registered with each portal's app token → checkout → pay (the fake Kaspi gateway) → marked paid
// on the right portal only → token expiry → one refresh → uninstall → no REST call, PAYMENT_ERRORS.
// Both portals have payment #301: Bitrix payment ids are per portal.

const CLIENT_ID = "app.kaspicheckout.0001";
const CLIENT_SECRET = "client-secret-of-the-kaspi-app-0001";
const oauth = new StandInOAuthServer({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
const portalA = new StandInOAuthPortal(oauth);
const portalB = new StandInOAuthPortal(oauth);
let saleA: SaleState;
let saleB: SaleState;
let app: { port: number; close: () => Promise<void> };
let appUrl = "";
let fake: FakeKaspiGateway;
const ENV = ["APP_URL", "BITRIX24_CLIENT_ID", "BITRIX24_CLIENT_SECRET", "BITRIX24_OAUTH_URL", "STORE_SECRETS_KEY"];
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));

beforeAll(async () => {
  await oauth.start();
  await portalA.start();
  await portalB.start();
  saleA = withSaleMethods(portalA);
  saleB = withSaleMethods(portalB);
  app = await startRouteServer({
    "/bitrix24/install": { POST: installRoute },
    "/bitrix24/events": { POST: eventsRoute },
    "/api/bitrix24/checkout": { POST: checkoutRoute },
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
});
afterAll(async () => {
  await app.close();
  await Promise.all([portalA.stop(), portalB.stop(), oauth.stop()]);
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetEnvForTests();
});
beforeEach(() => {
  fake = createFakeKaspiGateway();
  setKaspiGatewayForTests(fake);
});

/** The IFRAME_DATA ACTION_URI the app registered on a portal (the store's key and its portal's origin). */
function iframeUri(sale: SaleState): string {
  const handler = sale.handlers.find((h) => h.CODE === HANDLER_CODE);
  return String((handler?.SETTINGS.IFRAME_DATA as { ACTION_URI?: string } | undefined)?.ACTION_URI);
}

/** The checkout endpoint of that store's key: what the IFRAME_DATA page claims to (CHECKOUT_DATA's ACTION_URI). */
function actionUri(sale: SaleState): string {
  return `${appUrl}/api/bitrix24/checkout?key=${new URL(iframeUri(sale)).searchParams.get("key")}`;
}

/** CHECKOUT_DATA posted the way the portal does (a PHP-style form) to an ACTION_URI. */
async function checkout(uri: string, p: { id: number; sum: number; paySystemId: string }) {
  const res = await fetch(uri, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      "BX_SYSTEM_PARAMS[PAYMENT_ID]": String(p.id),
      "BX_SYSTEM_PARAMS[PAYSYSTEM_ID]": p.paySystemId,
      "BX_SYSTEM_PARAMS[SUM]": String(p.sum),
      "BX_SYSTEM_PARAMS[CURRENCY]": "KZT",
    }).toString(),
  });
  return read(res);
}

async function postEvent(fields: Record<string, string>) {
  const res = await fetch(`${appUrl}/bitrix24/events`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, text: await res.text() };
}

function uninstallForm(portal: StandInOAuthPortal, applicationToken: string): Record<string, string> {
  return {
    event: "ONAPPUNINSTALL",
    "data[LANGUAGE_ID]": "ru",
    "data[CLEAN]": "0",
    ts: String(Math.floor(Date.now() / 1000)),
    "auth[domain]": portal.domain,
    "auth[member_id]": portal.memberId,
    "auth[application_token]": applicationToken,
  };
}

const deliver = () => deliverDueNotifications(db(), { transport: outboxTransport()! }, "oauth-test");

describe("Bitrix24 OAuth app, two portals at once", () => {
  it("installs on both: confirmed by app.info, handler and ORDER pay systems registered and ONAPPUNINSTALL bound with each app token; answers the installFinish page", async () => {
    const [a, b] = await Promise.all([
      portalA.install(`${appUrl}/bitrix24/install`),
      portalB.install(`${appUrl}/bitrix24/install`),
    ]);
    for (const [answer, portal, sale] of [
      [a, portalA, saleA],
      [b, portalB, saleB],
    ] as const) {
      expect(answer.status, answer.text).toBe(200);
      expect(answer.headers.get("content-type")).toMatch(/^text\/html/);
      expect(answer.text).toContain('src="https://api.bitrix24.com/api/v1/"');
      expect(answer.text).toContain("BX24.installFinish()");
      // Every REST call of the install carried this portal's own token, in the JSON body.
      expect(portal.calls.length).toBeGreaterThan(0);
      expect(new Set(portal.calls.map((c) => c.authIn))).toEqual(new Set(["body"]));
      expect(sale.handlers).toHaveLength(1);
      expect(iframeUri(sale)).toBe(
        `${appUrl}/bitrix24/pay?key=${(await findStoreByMemberId(db(), portal.memberId))?.checkoutKey}&portal=${encodeURIComponent(`http://${portal.domain}`)}`,
      );
      expect(iframeUri(sale)).toMatch(/\?key=[A-Za-z0-9_-]{32}&/);
      // Person types 3 and 4 are ORDER's; 5 (CRM_INVOICE) is skipped.
      expect(sale.paySystems.map((s) => [s.PERSON_TYPE_ID, s.ENTITY_REGISTRY_TYPE])).toEqual([
        ["3", "ORDER"],
        ["4", "ORDER"],
      ]);
      expect(portal.events).toEqual([
        { event: "ONAPPUNINSTALL", handler: `${appUrl}/bitrix24/events`, auth_type: 0, event_type: "online" },
      ]);
      const store = await findStoreByMemberId(db(), portal.memberId);
      expect(store).toMatchObject({ kind: "bitrix24", status: "active", domain: portal.domain });
      // Tokens are stored encrypted, never in clear.
      expect(store?.accessToken).not.toContain(answer.tokens.accessToken);
    }
    expect(actionUri(saleA)).not.toBe(actionUri(saleB));
  });

  it("the install page may be framed by the installing portal only (CSP frame-ancestors)", () => {
    const headers = proxy(
      new NextRequest(`${appUrl}/bitrix24/install?DOMAIN=${portalA.domain}&PROTOCOL=0&LANG=ru`, { method: "POST" }),
    ).headers;
    expect(headers.get("content-security-policy")).toContain(`frame-ancestors http://${portalA.domain}`);
    expect(headers.get("x-frame-options")).toBeNull();
    const https = proxy(
      new NextRequest(`${appUrl}/bitrix24/install?DOMAIN=shop.bitrix24.kz&PROTOCOL=1`, { method: "POST" }),
    ).headers;
    expect(https.get("content-security-policy")).toContain("frame-ancestors https://shop.bitrix24.kz");
    // Plain http to a remote host is never an origin the page is framed by.
    const remote = proxy(
      new NextRequest(`${appUrl}/bitrix24/install?DOMAIN=shop.bitrix24.kz&PROTOCOL=0`, { method: "POST" }),
    ).headers;
    expect(remote.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });

  it("an install the portal is too slow for answers 502 at the install's deadline, not when the portal finally answers", async () => {
    const slow = new StandInOAuthPortal(oauth);
    await slow.start();
    withSaleMethods(slow);
    slow.delays.set("event.bind", 5_000);
    // The install route with a budget of 800 ms instead of INSTALL_BUDGET_MS (28 s).
    const server = await startRouteServer({
      "/bitrix24/install": {
        POST: async (request: Request) => {
          const outcome = await installApp(
            { ...bitrix24AppDeps()!, budgetMs: 800 },
            { query: new URL(request.url).searchParams, body: await request.text() },
          );
          return Response.json(outcome.ok ? { ok: true } : { status: outcome.status, reason: outcome.reason });
        },
      },
    });
    try {
      const started = Date.now();
      const answer = await slow.install(`http://127.0.0.1:${server.port}/bitrix24/install`);
      // Answered before event.bind's 5 s were over: the cut-off came at the deadline.
      expect(Date.now() - started).toBeLessThan(4_000);
      expect(JSON.parse(answer.text)).toMatchObject({
        status: 502,
        reason: expect.stringContaining("event.bind") as string,
      });
      expect(slow.callsOf("event.bind")).toHaveLength(1);
    } finally {
      await server.close();
      await slow.stop();
    }
  });

  it("a forged install (a token the authorization server does not know) changes nothing", async () => {
    const before = await findStoreByMemberId(db(), portalA.memberId);
    const callsBefore = portalA.calls.length;
    const forged = await portalA.install(`${appUrl}/bitrix24/install`, {
      override: { body: { AUTH_ID: "f".repeat(32), REFRESH_ID: "e".repeat(32) } },
    });
    expect(forged.status).toBe(401);
    expect(forged.text).not.toContain("installFinish");
    expect(portalA.calls.length).toBe(callsBefore);
    expect((await findStoreByMemberId(db(), portalA.memberId))?.accessToken).toBe(before?.accessToken);
  });

  it("payment #301 on both portals: each ACTION_URI opens its own portal's payment only, and the paid mark goes to that portal", async () => {
    const payA = saleA.addPayment({ id: 301, sum: 12_500, paySystemId: Number(saleA.paySystems[0]!.ID) });
    const payB = saleB.addPayment({ id: 301, sum: 7_000, paySystemId: Number(saleB.paySystems[0]!.ID) });
    const bCallsBefore = portalB.calls.length;

    const a = await checkout(actionUri(saleA), { id: 301, sum: 12_500, paySystemId: String(payA.paySystemId) });
    expect(a.status).toBe(200);
    expect(a.body.PAYMENT_URL).toMatch(new RegExp(`^${appUrl}/pay/`));
    // B's claim (its sum, its pay system) through A's key: A's portal does not confirm it.
    const crossed = await checkout(actionUri(saleA), { id: 301, sum: 7_000, paySystemId: String(payB.paySystemId) });
    expect(crossed).toEqual({
      status: 200,
      body: {
        PAYMENT_ERRORS: [UNIFORM_CHECKOUT_ERROR],
        error: { code: "PAYMENT_NOT_CONFIRMED", message: UNIFORM_CHECKOUT_ERROR },
      },
    });
    expect(portalB.calls.length).toBe(bCallsBefore);

    const storeA = await findStoreByMemberId(db(), portalA.memberId);
    const orderId = String(a.body.PAYMENT_ID);
    expect((await orderRow(orderId)).storeId).toBe(storeA?.id);
    // An installed portal's checkout URL names its portal (…/pay/<token>?portal=…&pf=…: lib/bitrix24/pay-frame.ts).
    const token = new URL(String(a.body.PAYMENT_URL)).pathname.split("/").pop()!;
    expect(new URL(String(a.body.PAYMENT_URL)).searchParams.get("portal")).toBe(`http://${portalA.domain}`);
    // The portal's store pays through its own Kaspi contract (lib/container.ts kaspiGatewayFor): here the fake.
    setStoreKaspiGatewayForTests(storeA!.id, fake);
    await payOrder(fake, { orderId, token, checkoutUrl: String(a.body.PAYMENT_URL), externalId: "", amount: 12_500 });

    await deliver();
    expect(payA.paid).toBe("Y");
    expect(payA.fields.PS_SUM).toBe(12_500);
    expect(portalA.callsOf("sale.paysystem.pay.payment")).toHaveLength(1);
    expect(payB.paid).toBe("N");
    expect(portalB.callsOf("sale.paysystem.pay.payment")).toHaveLength(0);

    const b = await checkout(actionUri(saleB), { id: 301, sum: 7_000, paySystemId: String(payB.paySystemId) });
    expect(b.status).toBe(200);
    expect(b.body.PAYMENT_ID).not.toBe(orderId);
  });

  it("different Kaspi contracts per portal (A eCommerce, B QR r1): each order pays through its own store's contract, is marked paid on its own portal, and A's refund goes through A's contract to portal A only", async () => {
    const [storeA, storeB] = [
      await findStoreByMemberId(db(), portalA.memberId),
      await findStoreByMemberId(db(), portalB.memberId),
    ];
    const keyring = env().storeSecrets;
    await saveKaspiSettings(db(), keyring, { storeId: storeA!.id, protocol: "ecom", mode: "test", credentials: null });
    await saveKaspiSettings(db(), keyring, { storeId: storeB!.id, protocol: "qr", mode: "test", credentials: null });
    const kaspiA = createFakeKaspiGateway();
    // The fake speaks eCommerce; B's stands for its QR r1 contract (no callbacks, polled).
    const kaspiB: FakeKaspiGateway = Object.assign(createFakeKaspiGateway(), { protocol: "qr" as const });
    setStoreKaspiGatewayForTests(storeA!.id, kaspiA);
    setStoreKaspiGatewayForTests(storeB!.id, kaspiB);

    const payA = saleA.addPayment({ id: 311, sum: 3_000, paySystemId: Number(saleA.paySystems[0]!.ID) });
    const payB = saleB.addPayment({ id: 311, sum: 4_000, paySystemId: Number(saleB.paySystems[0]!.ID) });
    const a = await checkout(actionUri(saleA), { id: 311, sum: 3_000, paySystemId: String(payA.paySystemId) });
    const b = await checkout(actionUri(saleB), { id: 311, sum: 4_000, paySystemId: String(payB.paySystemId) });
    const tokenOf = (answer: typeof a) => new URL(String(answer.body.PAYMENT_URL)).pathname.split("/").pop()!;
    // Test mode: both orders are sandbox money, whatever the deployment's own mode.
    expect((await orderRow(String(a.body.PAYMENT_ID))).mode).toBe("sandbox");

    // A: eCommerce, confirmed by its callback, verified with A's contract only.
    await payOrder(kaspiA, {
      orderId: String(a.body.PAYMENT_ID),
      token: tokenOf(a),
      checkoutUrl: "",
      externalId: "",
      amount: 3_000,
    });
    // B: QR r1, no callbacks: the poller asks B's contract.
    expect((await postPayment(tokenOf(b))).status).toBe(200);
    const paymentB = await latestPayment(String(b.body.PAYMENT_ID));
    expect(paymentB.protocol).toBe("qr");
    kaspiB.setStatus(paymentB.kaspiPaymentId ?? "", "PAID");
    await db().payment.update({ where: { id: paymentB.id }, data: { nextCheckAt: new Date(Date.now() - 1_000) } });
    await pollQrPayments(db(), kaspiGateway(), new Date(), storeGatewayFor);
    expect((await orderRow(String(b.body.PAYMENT_ID))).status).toBe("PAID");
    expect([kaspiA.calls.createPayment, kaspiB.calls.createPayment, fake.calls.createPayment]).toEqual([1, 1, 0]);
    expect(fake.calls.getPayment).toBe(0);

    await deliver();
    expect([payA.paid, payB.paid]).toEqual(["Y", "Y"]);
    expect(payA.fields.PS_SUM).toBe(3_000);
    expect(payB.fields.PS_SUM).toBe(4_000);

    // A's merchant refunds part of A's payment: A's contract refunds it, portal A records it.
    const session = await signedIn("admin", storeA!.id);
    const paymentA = await latestPayment(String(a.body.PAYMENT_ID));
    const updatesB = portalB.callsOf("sale.payment.update").length;
    const refund = await read(
      await refundRoute(
        merchantRequest(`/api/merchant/payments/${paymentA.id}/refund`, { session, body: { amount: 1_000 } }),
        {
          params: Promise.resolve({ id: paymentA.id }),
        },
      ),
    );
    expect(refund.status, JSON.stringify(refund.body)).toBe(200);
    expect([kaspiA.refunds.length, kaspiB.refunds.length, fake.refunds.length]).toEqual([1, 0, 0]);
    await deliver();
    const recorded = portalA.callsOf("sale.payment.update").at(-1);
    expect(JSON.stringify(recorded)).toContain("Kaspi refund");
    expect(portalB.callsOf("sale.payment.update")).toHaveLength(updatesB);
    // B's merchant cannot see A's payment at all.
    const other = await signedIn("admin", storeB!.id);
    const crossed = await read(
      await refundRoute(
        merchantRequest(`/api/merchant/payments/${paymentA.id}/refund`, { session: other, body: { amount: 1_000 } }),
        {
          params: Promise.resolve({ id: paymentA.id }),
        },
      ),
    );
    expect(crossed.status).toBe(404);
  });

  it("an expired token: calls that meet it at once get exactly one refresh, then go on with the new token", async () => {
    const ps = Number(saleA.paySystems[1]!.ID);
    saleA.addPayment({ id: 302, sum: 1_000, paySystemId: ps });
    saleA.addPayment({ id: 303, sum: 2_000, paySystemId: ps });
    saleA.addPayment({ id: 304, sum: 3_000, paySystemId: ps });
    expect(oauth.refreshCount(portalA)).toBe(0);
    oauth.tokenDelayMs = 100;
    portalA.expireTokens();
    const answers = await Promise.all([
      checkout(actionUri(saleA), { id: 302, sum: 1_000, paySystemId: String(ps) }),
      checkout(actionUri(saleA), { id: 303, sum: 2_000, paySystemId: String(ps) }),
      checkout(actionUri(saleA), { id: 304, sum: 3_000, paySystemId: String(ps) }),
    ]);
    oauth.tokenDelayMs = 0;
    for (const answer of answers) expect(answer.body.PAYMENT_URL, JSON.stringify(answer.body)).toBeDefined();
    expect(oauth.refreshCount(portalA)).toBe(1);
    expect(oauth.refreshCount(portalB)).toBe(0);
  });

  it("a wrong application_token — another portal's included — changes nothing", async () => {
    const wrong = await postEvent(uninstallForm(portalB, "0".repeat(32)));
    const othersToken = await postEvent(uninstallForm(portalB, portalA.applicationToken));
    const unknownMember = await postEvent({
      ...uninstallForm(portalB, portalB.applicationToken),
      "auth[member_id]": "nosuchmember",
    });
    const malformed = await postEvent({ event: "ONAPPUNINSTALL" });
    for (const answer of [wrong, othersToken, unknownMember, malformed]) {
      expect(answer).toEqual({ status: 401, text: wrong.text });
    }
    expect((await findStoreByMemberId(db(), portalB.memberId))?.status).toBe("active");
    expect((await findStoreByMemberId(db(), portalA.memberId))?.status).toBe("active");
  });

  it("uninstall: the store is marked uninstalled, its tokens dropped, its payments kept; no REST call or refresh follows and its ACTION_URI answers PAYMENT_ERRORS", async () => {
    const ps = Number(saleA.paySystems[0]!.ID);
    const pay = saleA.addPayment({ id: 305, sum: 4_000, paySystemId: ps });
    const open = await checkout(actionUri(saleA), { id: 305, sum: 4_000, paySystemId: String(ps) });
    const storeA = await findStoreByMemberId(db(), portalA.memberId);
    const ordersBefore = await db().order.count({ where: { storeId: storeA!.id } });

    const sent = await portalA.uninstall();
    expect(sent).toEqual([{ handler: `${appUrl}/bitrix24/events`, status: 200 }]);
    const after = await findStoreByMemberId(db(), portalA.memberId);
    expect(after).toMatchObject({
      status: "uninstalled",
      accessToken: null,
      refreshToken: null,
      applicationToken: null,
    });
    expect(await db().order.count({ where: { storeId: storeA!.id } })).toBe(ordersBefore);

    const callsBefore = portalA.calls.length;
    const tokenCallsBefore = oauth.tokenCalls.length;
    expect(await checkout(actionUri(saleA), { id: 305, sum: 4_000, paySystemId: String(ps) })).toEqual({
      status: 200,
      body: {
        PAYMENT_ERRORS: [UNIFORM_CHECKOUT_ERROR],
        error: { code: "PAYMENT_NOT_CONFIRMED", message: UNIFORM_CHECKOUT_ERROR },
      },
    });
    // A payment of the uninstalled store that gets paid now: its notification is final, undelivered.
    const token = new URL(String(open.body.PAYMENT_URL)).pathname.split("/").pop()!;
    setStoreKaspiGatewayForTests(storeA!.id, fake);
    await payOrder(fake, {
      orderId: String(open.body.PAYMENT_ID),
      token,
      checkoutUrl: "",
      externalId: "",
      amount: 4_000,
    });
    await deliver();
    expect(pay.paid).toBe("N");
    const row = await db().outbox.findFirst({ where: { orderId: String(open.body.PAYMENT_ID) } });
    expect(row?.deliveredAt).toBeNull();
    expect(row?.lastError).toContain("uninstalled");
    expect(portalA.calls.length).toBe(callsBefore);
    expect(oauth.tokenCalls.length).toBe(tokenCallsBefore);

    // The other portal is untouched.
    const payB = saleB.addPayment({ id: 306, sum: 5_000, paySystemId: Number(saleB.paySystems[0]!.ID) });
    const b = await checkout(actionUri(saleB), { id: 306, sum: 5_000, paySystemId: String(payB.paySystemId) });
    expect(b.body.PAYMENT_URL).toBeDefined();
  });
});
