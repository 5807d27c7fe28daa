import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { GET as checkpayRoute } from "@/app/api/kaspi/checkpay/route";
import { POST as refundRoute } from "@/app/api/merchant/payments/[id]/refund/route";
import {
  checkoutPageDeps,
  intakeDeps,
  kaspiGateway,
  kaspiGatewayFor,
  setKaspiGatewayForTests,
  setStoreKaspiGatewayForTests,
  startPaymentDeps,
  storeGatewayFor,
} from "@/lib/container";
import { db } from "@/lib/db";
import { resetEnvForTests } from "@/lib/env";
import { buildStoreGateway } from "@/lib/kaspi/store-gateways";
import { loadCheckoutPage } from "@/lib/payments/checkout-page";
import { intakeOrder } from "@/lib/payments/order-intake-use-case";
import { sandboxCheckpayLink, sandboxProviderPath, storeSandboxService } from "@/lib/sandbox/checkpay-service";
import { sandboxDecide } from "@/lib/sandbox/decide";
import { pollQrPayments } from "@/lib/payments/qr-poll-use-case";
import { reconcileDuePayments } from "@/lib/payments/reconcile-use-case";
import { saveKaspiSettings, type StoreKaspiSettings } from "@/lib/stores/kaspi-settings";
import { DEFAULT_STORE_ID } from "@/lib/stores/store-id";
import { createFakeKaspiGateway, type FakeKaspiGateway } from "@/tests/support/fake-kaspi-gateway";
import { reply, startRecordingServer } from "@/tests/support/recording-server";
import { startRouteServer } from "@/tests/support/route-server";
import { callbackBody, latestPayment, orderRow, postCallback, postPayment } from "../helpers";
import { merchantRequest, read, signedIn } from "../merchant/merchant-helpers";

// Issue #20: each store has its own Kaspi contract and mode. Three stores at once: the default
// store (the environment's eCommerce contract), store B (eCommerce, test mode) and store C (QR r1,
// test mode). Each pays, is verified and refunds through its own store's gateway only (per-store
// fakes count every call); the gateways built from the settings point at the built-in sandbox's
// endpoint of their protocol (test mode) or at the credentials' host with their token (live mode,
// a loopback recording server standing in for Kaspi); the check/pay provider URL per store.

const run = randomBytes(3).toString("hex");
const B = `sto_b_${run}`;
const C = `sto_c_${run}`;
const NONE = `sto_n_${run}`;
const D = `sto_d_${run}`;
const ENV = ["STORE_SECRETS_KEY", "PORT", "KASPI_CHECKPAY_ALLOWED_IPS"];
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));

let fakeDefault: FakeKaspiGateway;
let fakeB: FakeKaspiGateway;
let fakeC: FakeKaspiGateway;

function restoreEnv() {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetEnvForTests();
}

async function makeStore(id: string) {
  await db().store.create({ data: { id, kind: "bitrix24", name: `Store ${id}` } });
}

beforeAll(async () => {
  process.env.STORE_SECRETS_KEY = randomBytes(32).toString("hex");
  resetEnvForTests();
  for (const id of [B, C, NONE, D]) await makeStore(id);
  const keyring = (await import("@/lib/env")).env().storeSecrets;
  await saveKaspiSettings(db(), keyring, { storeId: B, protocol: "ecom", mode: "test", credentials: null });
  await saveKaspiSettings(db(), keyring, { storeId: C, protocol: "qr", mode: "test", credentials: null });
  await saveKaspiSettings(db(), keyring, { storeId: D, protocol: "checkpay", mode: "test", credentials: null });
});
afterAll(() => {
  setKaspiGatewayForTests(undefined);
  for (const id of [B, C]) setStoreKaspiGatewayForTests(id, undefined);
  restoreEnv();
});
beforeEach(() => {
  fakeDefault = createFakeKaspiGateway();
  fakeB = createFakeKaspiGateway();
  // The fake speaks eCommerce; store C's stands for its QR r1 contract (no callbacks, polled).
  fakeC = Object.assign(createFakeKaspiGateway(), { protocol: "qr" as const });
  setKaspiGatewayForTests(fakeDefault);
  setStoreKaspiGatewayForTests(B, fakeB);
  setStoreKaspiGatewayForTests(C, fakeC);
});

let seq = 0;
async function orderOf(storeId: string, amount = 5000) {
  const externalId = `${run}-${storeId}-${++seq}`;
  const res = await intakeOrder(
    { ...intakeDeps(), storeId, mode: storeId === DEFAULT_STORE_ID ? intakeDeps().mode : "sandbox" },
    { externalId, amount, currency: "KZT" },
  );
  if (!res.ok) throw new Error(res.error.message);
  const token = res.value.body.checkoutUrl.split("/pay/")[1] ?? "";
  return { orderId: res.value.body.orderId, token, externalId };
}

const calls = (f: FakeKaspiGateway) => ({ ...f.calls });

describe("two stores with their own Kaspi contracts, and the default store", () => {
  it("a payment is created at its own store's Kaspi only, with its protocol", async () => {
    const [a, b, c] = [await orderOf(DEFAULT_STORE_ID), await orderOf(B), await orderOf(C)];
    for (const o of [a, b, c]) expect((await postPayment(o.token)).status).toBe(200);
    expect([fakeDefault.calls.createPayment, fakeB.calls.createPayment, fakeC.calls.createPayment]).toEqual([1, 1, 1]);
    expect((await latestPayment(a.orderId)).protocol).toBe("ecom");
    expect((await latestPayment(b.orderId)).protocol).toBe("ecom");
    expect((await latestPayment(c.orderId)).protocol).toBe("qr");
    expect((await latestPayment(b.orderId)).storeId).toBe(B);
    expect((await orderRow(b.orderId)).mode).toBe("sandbox");
  });

  it("B's callback is verified with B's gateway only; C's payment takes no callback; A's uses the environment's", async () => {
    const [a, b, c] = [await orderOf(DEFAULT_STORE_ID), await orderOf(B), await orderOf(C)];
    for (const o of [a, b, c]) await postPayment(o.token);
    const [pa, pb, pc] = [
      await latestPayment(a.orderId),
      await latestPayment(b.orderId),
      await latestPayment(c.orderId),
    ];
    fakeB.setStatus(pb.kaspiPaymentId ?? "", "PAID");
    fakeC.setStatus(pc.kaspiPaymentId ?? "", "PAID");
    fakeDefault.setStatus(pa.kaspiPaymentId ?? "", "PAID");

    expect(await postCallback(callbackBody(pb.kaspiPaymentId ?? "", pb.kaspiExternalId, "COMPLETED"))).toEqual({
      status: 200,
      body: { status: "OK" },
    });
    expect((await orderRow(b.orderId)).status).toBe("PAID");
    expect([fakeDefault.calls.getPayment, fakeB.calls.getPayment, fakeC.calls.getPayment]).toEqual([0, 1, 0]);

    // A QR store sends no callbacks (docs/kaspi.md): a callback naming its payment is answered like
    // an unknown id, and no gateway is asked.
    const forged = await postCallback(callbackBody(pc.kaspiPaymentId ?? "", pc.kaspiExternalId, "COMPLETED"));
    expect(forged).toEqual({ status: 200, body: { status: "OK" } });
    expect((await orderRow(c.orderId)).status).toBe("PENDING");
    expect([fakeDefault.calls.getPayment, fakeB.calls.getPayment, fakeC.calls.getPayment]).toEqual([0, 1, 0]);

    await postCallback(callbackBody(pa.kaspiPaymentId ?? "", pa.kaspiExternalId, "COMPLETED"));
    expect((await orderRow(a.orderId)).status).toBe("PAID");
    expect([fakeDefault.calls.getPayment, fakeB.calls.getPayment, fakeC.calls.getPayment]).toEqual([1, 1, 0]);
  });

  it("the worker's re-checks: C's QR payment is polled and B's reconciled, each with its own store's gateway", async () => {
    const [b, c] = [await orderOf(B), await orderOf(C)];
    for (const o of [b, c]) await postPayment(o.token);
    const [pb, pc] = [await latestPayment(b.orderId), await latestPayment(c.orderId)];
    fakeB.setStatus(pb.kaspiPaymentId ?? "", "PAID");
    fakeC.setStatus(pc.kaspiPaymentId ?? "", "PAID");
    const due = new Date(Date.now() - 1000);
    await db().payment.updateMany({ where: { id: { in: [pb.id, pc.id] } }, data: { nextCheckAt: due } });

    // The default store's gateway speaks eCommerce: with the resolver, other stores' QR payments are still polled.
    await pollQrPayments(db(), kaspiGateway(), new Date(), storeGatewayFor);
    expect((await orderRow(c.orderId)).status).toBe("PAID");
    expect(calls(fakeC).getPayment).toBe(1);

    await reconcileDuePayments(startPaymentDeps());
    expect((await orderRow(b.orderId)).status).toBe("PAID");
    expect(calls(fakeB).getPayment).toBe(1);
    expect(fakeDefault.calls.getPayment).toBe(0);
  });

  it("a refund of B's payment from B's merchant area goes through B's gateway", async () => {
    const b = await orderOf(B);
    await postPayment(b.token);
    const pb = await latestPayment(b.orderId);
    fakeB.setStatus(pb.kaspiPaymentId ?? "", "PAID");
    await postCallback(callbackBody(pb.kaspiPaymentId ?? "", pb.kaspiExternalId, "COMPLETED"));
    const session = await signedIn("admin", B);
    const answer = await read(
      await refundRoute(
        merchantRequest(`/api/merchant/payments/${pb.id}/refund`, { session, method: "POST", body: { amount: 1000 } }),
        { params: Promise.resolve({ id: pb.id }) },
      ),
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect([fakeDefault.calls.refund, fakeB.calls.refund, fakeC.calls.refund]).toEqual([0, 1, 0]);
  });

  it("the checkout page follows its order's store's protocol", async () => {
    const [a, b, c] = [await orderOf(DEFAULT_STORE_ID), await orderOf(B), await orderOf(C)];
    const deps = checkoutPageDeps();
    expect((await loadCheckoutPage(deps, a.token))?.kaspi.protocol).toBe("ecom");
    expect((await loadCheckoutPage(deps, b.token))?.kaspi.protocol).toBe("ecom");
    expect((await loadCheckoutPage(deps, c.token))?.kaspi).toMatchObject({ protocol: "qr", scheme: "r1" });
  });

  it("the checkout page reports its height to its own store's framer only: the installed portal, or BITRIX_ORIGINS for the default store", async () => {
    await db().store.update({
      where: { id: B },
      data: { restBase: "https://b-shop.bitrix24.kz/rest/", status: "active" },
    });
    const [a, b, c] = [await orderOf(DEFAULT_STORE_ID), await orderOf(B), await orderOf(C)];
    const deps = { ...checkoutPageDeps(), bitrixOrigins: ["https://shop.kz"], sandboxEnabled: false };
    expect((await loadCheckoutPage(deps, a.token))?.parentOrigins).toEqual(["https://shop.kz"]);
    expect((await loadCheckoutPage(deps, b.token))?.parentOrigins).toEqual(["https://b-shop.bitrix24.kz"]);
    // C has no portal (no REST base): nobody frames it, not the default store's Bitrix either.
    expect((await loadCheckoutPage(deps, c.token))?.parentOrigins).toEqual([]);
  });

  it("a store with no Kaspi contract cannot start a payment: 409 KASPI_NOT_CONFIGURED, nothing sent", async () => {
    const n = await orderOf(NONE);
    const answer = await postPayment(n.token);
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({ error: { code: "KASPI_NOT_CONFIGURED" } });
    expect(await db().payment.count({ where: { orderId: n.orderId } })).toBe(0);
    expect([fakeDefault.calls.createPayment, fakeB.calls.createPayment, fakeC.calls.createPayment]).toEqual([0, 0, 0]);
  });
});

describe("the gateways built from a store's settings", () => {
  const env = {
    sandboxEnabled: true,
    port: 0,
    appUrl: "http://app.test",
    timeoutMs: 2000,
    ecomPresentation: "link" as const,
    qrPollIntervalMs: 5000,
    qrStatusVersion: "v01" as const,
  };
  const settings = (s: Partial<StoreKaspiSettings>): StoreKaspiSettings => ({
    storeId: B,
    protocol: "ecom",
    mode: "test",
    credentials: null,
    ...s,
  });
  const input = {
    externalId: `x-${run}`,
    amount: 5000,
    description: "t",
    callbackUrl: "http://app.test/api/kaspi/callback",
    deviceId: "d",
  };

  it("test mode: the built-in sandbox's endpoint of the store's protocol, over loopback", async () => {
    const kaspi = await startRecordingServer();
    try {
      kaspi.handle((_req, res) => reply(res, 400, { message: "refused by the test" }));
      const port = Number(new URL(kaspi.origin).port);
      for (const protocol of ["ecom", "qr"] as const) {
        const built = buildStoreGateway(settings({ protocol }), db, { ...env, port });
        if (!built.ok) throw new Error(built.message);
        expect(built.mode).toBe("sandbox");
        await built.gateway.createPayment(input);
      }
      expect(kaspi.seen.map((r) => r.url)).toEqual([
        "/sandbox/kaspi/api/v1/payments/create",
        expect.stringMatching(/^\/sandbox\/kaspi\/qr\/r1\/v01\/qr\/create/),
      ]);
      expect(kaspi.seen[0]?.headers.authorization).toBe("Bearer sandbox");
    } finally {
      await kaspi.close();
    }
  });

  it("test mode with the deployment's sandbox off, or no contract: refused with the reason", () => {
    expect(buildStoreGateway(settings({}), db, { ...env, sandboxEnabled: false })).toMatchObject({
      ok: false,
      reason: "sandbox_off",
    });
    expect(buildStoreGateway(settings({ protocol: null }), db, env)).toMatchObject({
      ok: false,
      reason: "no_protocol",
    });
    expect(buildStoreGateway(settings({ mode: "live" }), db, env)).toMatchObject({
      ok: false,
      reason: "no_credentials",
    });
  });

  it("live mode: the credentials' host with the store's token or Api-Key, never the environment's", async () => {
    const kaspi = await startRecordingServer();
    // Kaspi's hosts are https: the test's fetch sends them to the loopback stand-in instead.
    const realFetch = globalThis.fetch;
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation((url, init) => {
      const target = new URL(String(url));
      return realFetch(`${kaspi.origin}/${target.host}${target.pathname}${target.search}`, init);
    });
    try {
      kaspi.handle((_req, res) => reply(res, 400, { message: "refused by the test" }));
      const ecom = buildStoreGateway(
        settings({
          mode: "live",
          credentials: { protocol: "ecom", token: "token-of-store-b", baseUrl: "https://kaspi-b.test/payment" },
        }),
        db,
        env,
      );
      const qr = buildStoreGateway(
        settings({
          mode: "live",
          protocol: "qr",
          credentials: {
            protocol: "qr",
            scheme: "r1",
            apiKey: "api-key-of-store-c",
            deviceToken: "device-of-store-c",
            baseUrl: "https://kaspi-c.test:8543/r1/v01/",
          },
        }),
        db,
        env,
      );
      if (!ecom.ok || !qr.ok) throw new Error("not built");
      expect([ecom.mode, qr.mode]).toEqual(["live", "live"]);
      await ecom.gateway.createPayment(input);
      await qr.gateway.createPayment(input);
      const [toB, toC] = kaspi.seen;
      expect(toB?.url).toBe("/kaspi-b.test/payment/api/v1/payments/create");
      expect(toB?.headers.authorization).toBe("Bearer token-of-store-b");
      expect(toC?.url).toMatch(/^\/kaspi-c\.test:8543\/r1\/v01\/qr\/create/);
      expect(toC?.headers["api-key"]).toBe("api-key-of-store-c");
      expect(JSON.parse(toC?.body ?? "{}")).toMatchObject({ DeviceToken: "device-of-store-c" });
      expect(
        kaspi.seen.every((r) => !r.url.includes("sandbox") && !r.headers.authorization?.includes("Bearer sandbox")),
      ).toBe(true);
    } finally {
      spy.mockRestore();
      await kaspi.close();
    }
  });

  it("kaspiGatewayFor: the default store is the environment's gateway; another store's is built once per version of its row", async () => {
    setStoreKaspiGatewayForTests(B, undefined);
    setStoreKaspiGatewayForTests(C, undefined);
    const dflt = await kaspiGatewayFor(DEFAULT_STORE_ID);
    expect(dflt.ok && dflt.value.gateway).toBe(fakeDefault);
    const first = await kaspiGatewayFor(C);
    const again = await kaspiGatewayFor(C);
    if (!first.ok || !again.ok) throw new Error("not built");
    expect(first.value.gateway.protocol).toBe("qr");
    expect(again.value.gateway).toBe(first.value.gateway);
    await saveKaspiSettings(db(), (await import("@/lib/env")).env().storeSecrets, {
      storeId: C,
      protocol: "ecom",
      mode: "test",
      credentials: null,
    });
    const changed = await kaspiGatewayFor(C);
    expect(changed.ok && changed.value.gateway.protocol).toBe("ecom");
    await saveKaspiSettings(db(), (await import("@/lib/env")).env().storeSecrets, {
      storeId: C,
      protocol: "qr",
      mode: "test",
      credentials: null,
    });
    expect((await kaspiGatewayFor(NONE)).ok).toBe(false);
  });
});

describe("check/pay: one provider URL per store", () => {
  let server: { port: number; close: () => Promise<void> };
  beforeAll(async () => {
    process.env.KASPI_CHECKPAY_ALLOWED_IPS = "127.0.0.1";
    resetEnvForTests();
    server = await startRouteServer({ "/api/kaspi/checkpay": { GET: checkpayRoute } });
  });
  afterAll(async () => {
    await server.close();
    delete process.env.KASPI_CHECKPAY_ALLOWED_IPS;
    resetEnvForTests();
  });
  const call = async (q: Record<string, string>) => {
    const res = await fetch(`http://127.0.0.1:${server.port}/api/kaspi/checkpay?${new URLSearchParams(q)}`);
    return { status: res.status, body: await res.text() };
  };

  it("?store=<check/pay store> answers check for that store's orders only", async () => {
    const d = await orderOf(D, 7000);
    const b = await orderOf(B, 7000);
    const mine = await call({ store: D, command: "check", txn_id: `t1${seq}`, account: d.externalId });
    expect(mine.status).toBe(200);
    expect(mine.body).toContain("<result>0</result>");
    const theirs = await call({ store: D, command: "check", txn_id: `t2${seq}`, account: b.externalId });
    expect(theirs.status).toBe(200);
    expect(theirs.body).not.toContain("<result>0</result>");
    expect(theirs.body).toContain("<result>");
  });

  it("a check/pay store in test mode: the sandbox's Kaspi calls that store's provider URL for its sandbox Service, and the order is paid", async () => {
    // The sandbox reaches the app over loopback at PORT: here, the route server.
    const port = process.env.PORT;
    process.env.PORT = String(server.port);
    resetEnvForTests();
    try {
      const d = await orderOf(D, 6000);
      const link = await sandboxCheckpayLink(db(), {
        serviceId: storeSandboxService(D),
        account: d.externalId,
        amount: 6000,
        externalId: d.externalId,
      });
      const decided = await sandboxDecide(db(), link.paymentId, "COMPLETED");
      expect(decided.ok, JSON.stringify(decided)).toBe(true);
      expect(decided.calls?.map((c) => [c.command, c.httpStatus, c.result])).toEqual([
        ["check", 200, 0],
        ["pay", 200, 0],
      ]);
      expect((await orderRow(d.orderId)).status).toBe("PAID");
      // A Service the sandbox does not know is refused before anything is called.
      expect(sandboxProviderPath("someone-else", "sandbox")).toBeNull();
      expect(sandboxProviderPath("sandbox", "sandbox")).toBe("/api/kaspi/checkpay");
    } finally {
      if (port === undefined) delete process.env.PORT;
      else process.env.PORT = port;
      resetEnvForTests();
    }
  });

  it("a store whose contract is not check/pay, an unknown store, and the environment's (eCommerce here): 404", async () => {
    for (const store of [B, "sto_nope", "bad store\u0000"]) {
      expect((await call({ store, command: "check", txn_id: "t3", account: "x" })).status).toBe(404);
    }
    expect((await call({ command: "check", txn_id: "t4", account: "x" })).status).toBe(404);
  });
});
