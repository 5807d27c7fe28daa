import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { POST as postRefundRoute } from "@/app/api/orders/[externalId]/refunds/route";
import { GET as getOrderRoute } from "@/app/api/orders/[externalId]/route";
import { NextRequest } from "next/server";
import { POST as postOrderRoute } from "@/app/api/orders/route";
import { proxy } from "@/proxy";
import {
  createOnpremStore,
  OnpremStoreError,
  STORE_HEADER,
  updateOnpremStore,
} from "@/lib/bitrix-onprem/onprem-stores";
import { verifySignature } from "@/lib/bitrix-onprem/signature";
import {
  checkoutPageDeps,
  outboxTransport,
  setKaspiGatewayForTests,
  setStoreKaspiGatewayForTests,
} from "@/lib/container";
import { db } from "@/lib/db";
import { env, resetEnvForTests } from "@/lib/env";
import { loadCheckoutPage } from "@/lib/payments/checkout-page";
import { DEFAULT_STORE_ID } from "@/lib/stores/store-id";
import { createFakeKaspiGateway, type FakeKaspiGateway } from "@/tests/support/fake-kaspi-gateway";
import { reply, startRecordingServer } from "@/tests/support/recording-server";
import {
  errorCodeOf,
  newExternalId,
  orderBody,
  orderRow,
  outboxOf,
  params,
  payOrder,
  read,
  signedRequest,
  type Answer,
  type CreatedOrder,
  type SignedOptions,
} from "../helpers";

// Issue #20, point 1 and 5: on-premise sites as stores. Two on-premise stores (A, B) beside the
// default store. Each signs with its own secret and names itself with X-Kaspi-Store; a signature of
// A never reads or changes B (its secret is not B's), nonces are remembered per store, A's
// notifications go to A's notify URL signed with A's secret, and the default store's contract
// (no header, BITRIX_SHARED_SECRET) is unchanged.

const ENV = ["STORE_SECRETS_KEY"];
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));

type Site = { id: string; secret: string; origin: string };
let A: Site;
let B: Site;
let site: Awaited<ReturnType<typeof startRecordingServer>>;
let fakeDefault: FakeKaspiGateway;
let fakeA: FakeKaspiGateway;
let fakeB: FakeKaspiGateway;

const NOTIFY_PATH = "/bitrix/tools/sale_ps_result.php?kaspi_checkout=Y";

beforeAll(async () => {
  process.env.STORE_SECRETS_KEY = randomBytes(32).toString("hex");
  resetEnvForTests();
  site = await startRecordingServer();
  site.handle((_req, res) => reply(res, 200, { status: "OK" }));
  const add = async (name: string, path: string, origin: string): Promise<Site> => {
    const { store, secret } = await createOnpremStore(db(), env().storeSecrets, {
      name,
      notifyUrl: `${site.origin}${path}`,
      origin,
      allowLoopbackHttp: true,
    });
    return { id: store.id, secret, origin };
  };
  A = await add("Shop A", `/a${NOTIFY_PATH}`, "https://a.shop.kz");
  B = await add("Shop B", `/b${NOTIFY_PATH}`, "https://b.shop.kz");
});
afterAll(async () => {
  setKaspiGatewayForTests(undefined);
  for (const s of [A, B]) setStoreKaspiGatewayForTests(s.id, undefined);
  await site.close();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetEnvForTests();
});
beforeEach(() => {
  fakeDefault = createFakeKaspiGateway();
  fakeA = createFakeKaspiGateway();
  fakeB = createFakeKaspiGateway();
  setKaspiGatewayForTests(fakeDefault);
  setStoreKaspiGatewayForTests(A.id, fakeA);
  setStoreKaspiGatewayForTests(B.id, fakeB);
  site.seen.length = 0;
});

/** Signed with `as`'s secret, naming the store `named` (default: the same store). */
function as(signer: Site | null, named: string | null = signer?.id ?? null, extra: SignedOptions = {}): SignedOptions {
  return {
    ...(signer ? { secret: signer.secret } : {}),
    ...extra,
    headers: { ...(named === null ? {} : { "X-Kaspi-Store": named }), ...extra.headers },
  };
}

async function intake(body: Record<string, unknown>, options: SignedOptions): Promise<Answer> {
  return read(await postOrderRoute(signedRequest("/api/orders", JSON.stringify(body), options)));
}

async function readBack(externalId: string, options: SignedOptions): Promise<Answer> {
  const path = `/api/orders/${encodeURIComponent(externalId)}`;
  return read(await getOrderRoute(signedRequest(path, null, options), params({ externalId })));
}

async function refund(externalId: string, body: Record<string, unknown>, options: SignedOptions): Promise<Answer> {
  const path = `/api/orders/${encodeURIComponent(externalId)}/refunds`;
  return read(await postRefundRoute(signedRequest(path, JSON.stringify(body), options), params({ externalId })));
}

async function created(body: Record<string, unknown>, options: SignedOptions): Promise<CreatedOrder> {
  const answer = await intake(body, options);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  const { orderId, checkoutUrl } = answer.body as { orderId: string; checkoutUrl: string };
  return {
    orderId,
    checkoutUrl,
    token: new URL(checkoutUrl).pathname.split("/pay/")[1] ?? "",
    externalId: body.externalId as string,
    amount: body.amount as number,
  };
}

const ordersOf = (storeId: string, externalId: string) => db().order.count({ where: { storeId, externalId } });

describe("adding an on-premise store", () => {
  it("keeps the generated secret encrypted (bound to the store), in test mode with eCommerce, with its notify URL and origin", async () => {
    const row = await db().store.findUniqueOrThrow({ where: { id: A.id } });
    expect(row).toMatchObject({
      kind: "onpremise",
      status: "active",
      mode: "test",
      kaspiProtocol: "ecom",
      notifyUrl: `${site.origin}/a${NOTIFY_PATH}`,
      domain: "https://a.shop.kz",
    });
    expect(A.id).toMatch(/^sto_[0-9a-f]{32}$/);
    expect(A.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(A.secret).not.toBe(B.secret);
    expect(row.bitrixSecret).toBeTruthy();
    expect(row.bitrixSecret).not.toContain(A.secret);
  });

  it("refuses without STORE_SECRETS_KEY, and a notify URL or origin that is not https (loopback http only while allowed)", async () => {
    const input = { name: "X", notifyUrl: "https://x.kz/n", allowLoopbackHttp: false };
    await expect(createOnpremStore(db(), null, input)).rejects.toMatchObject({ code: "NO_KEY" });
    const keyring = env().storeSecrets;
    const bad = [
      { ...input, notifyUrl: "http://x.kz/n" },
      { ...input, notifyUrl: "http://127.0.0.1:9/n" },
      { ...input, notifyUrl: "not a url" },
      { ...input, origin: "http://x.kz" },
      { ...input, origin: "https://x.kz/path" },
      { ...input, name: " " },
    ];
    for (const b of bad) await expect(createOnpremStore(db(), keyring, b)).rejects.toBeInstanceOf(OnpremStoreError);
    const before = await db().store.count();
    await expect(createOnpremStore(db(), keyring, bad[0]!)).rejects.toThrow(/https/);
    expect(await db().store.count()).toBe(before);
  });
});

describe("changing an on-premise store", () => {
  it("a new shared secret verifies at once and the old one no longer does; uninstall refuses its requests; reactivate restores them", async () => {
    const { store, secret } = await createOnpremStore(db(), env().storeSecrets, {
      name: "Shop C",
      notifyUrl: "https://c.shop.kz/bitrix/tools/sale_ps_result.php?kaspi_checkout=Y",
      origin: "https://c.shop.kz",
      allowLoopbackHttp: false,
    });
    const C: Site = { id: store.id, secret, origin: "https://c.shop.kz" };
    expect((await intake(orderBody(), as(C))).status).toBe(201);

    const rotated = await updateOnpremStore(db(), env().storeSecrets, C.id, {
      newSecret: true,
      allowLoopbackHttp: false,
    });
    expect(rotated.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(rotated.secret).not.toBe(secret);
    expect((await intake(orderBody(), as(C))).status).toBe(401);
    const C2: Site = { ...C, secret: rotated.secret! };
    expect((await intake(orderBody(), as(C2))).status).toBe(201);

    const moved = await updateOnpremStore(db(), env().storeSecrets, C.id, {
      notifyUrl: "https://c2.shop.kz/notify",
      origin: null,
      allowLoopbackHttp: false,
    });
    expect(moved.store).toMatchObject({ notifyUrl: "https://c2.shop.kz/notify", domain: null });
    // Without an origin its checkout is framed by nobody: the URL names none.
    const noFrame = await intake(orderBody(), as(C2));
    expect(new URL((noFrame.body as { checkoutUrl: string }).checkoutUrl).search).toBe("");

    await updateOnpremStore(db(), env().storeSecrets, C.id, { status: "uninstalled", allowLoopbackHttp: false });
    expect((await intake(orderBody(), as(C2))).status).toBe(401);
    await updateOnpremStore(db(), env().storeSecrets, C.id, { status: "active", allowLoopbackHttp: false });
    expect((await intake(orderBody(), as(C2))).status).toBe(201);

    // Only on-premise stores; a plain-http notify URL or an origin with a path is refused.
    for (const [id, change] of [
      [DEFAULT_STORE_ID, { newSecret: true }],
      ["sto_nope", { newSecret: true }],
      [C.id, { notifyUrl: "http://c.shop.kz/notify" }],
      [C.id, { origin: "https://c.shop.kz/path" }],
    ] as const) {
      await expect(
        updateOnpremStore(db(), env().storeSecrets, id, { ...change, allowLoopbackHttp: false }),
      ).rejects.toBeInstanceOf(OnpremStoreError);
    }
  });
});

describe("signed requests name their store", () => {
  it("intake with each store's secret lands in that store (the default store without the header), each in its own mode", async () => {
    const [a, b, d] = [orderBody(), orderBody(), orderBody()];
    const oa = await created(a, as(A));
    const ob = await created(b, as(B));
    const od = await created(d, as(null));
    expect((await orderRow(oa.orderId)).storeId).toBe(A.id);
    expect((await orderRow(ob.orderId)).storeId).toBe(B.id);
    expect((await orderRow(od.orderId)).storeId).toBe(DEFAULT_STORE_ID);
    // A new store is in test mode: its orders are sandbox orders.
    expect((await orderRow(oa.orderId)).mode).toBe("sandbox");
    for (const [o, signer] of [
      [oa, A],
      [ob, B],
    ] as const) {
      const back = await readBack(o.externalId, as(signer));
      expect(back.status).toBe(200);
      expect(back.body).toMatchObject({ orderId: o.orderId, status: "CREATED" });
    }
    expect((await readBack(od.externalId, as(null))).body).toMatchObject({ orderId: od.orderId });
  });

  it("A's secret with B's store id, or any store id that is not an active on-premise store, answers exactly like a bad signature; nothing is written", async () => {
    const bitrix24 = `sto_b24_${randomBytes(3).toString("hex")}`;
    await db().store.create({ data: { id: bitrix24, kind: "bitrix24", name: "portal" } });
    const gone = await createOnpremStore(db(), env().storeSecrets, {
      name: "Gone",
      notifyUrl: "https://gone.kz/n",
      allowLoopbackHttp: false,
    });
    await db().store.update({ where: { id: gone.store.id }, data: { status: "uninstalled" } });
    const goneSite = { id: gone.store.id, secret: gone.secret, origin: "" };

    const wrong = (answer: Answer) => {
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({ error: { code: "INVALID_SIGNATURE", message: "signature does not match" } });
    };
    const cases: SignedOptions[] = [
      as(A, B.id), // A's signature, B named
      as(B, A.id),
      as(A, null), // A's secret without the header: the default store's secret is another
      as(null, A.id), // the default store's secret naming A
      as(A, "sto_does_not_exist"),
      as(A, bitrix24),
      as(goneSite), // its own secret, but uninstalled
      as(A, "not a store id!"),
      as(A, "x".repeat(65)),
    ];
    for (const options of cases) {
      const body = orderBody();
      wrong(await intake(body, options));
      expect(await db().order.count({ where: { externalId: body.externalId as string } })).toBe(0);
    }
    // Read-back and refunds too: B's order is not read or refunded with A's signature naming B.
    const ob = await created(orderBody(), as(B));
    wrong(await readBack(ob.externalId, as(A, B.id)));
    wrong(await refund(ob.externalId, { amount: 100, refundId: "r-1" }, as(A, B.id)));
    // A bad signature claims no nonce: nothing is remembered for any store.
    const nonce = `probe${randomBytes(8).toString("hex")}`;
    wrong(await intake(orderBody(), as(A, B.id, { nonce })));
    expect(await db().signatureNonce.count({ where: { nonce } })).toBe(0);
  });

  it("A's signed read-back of an order that exists only in B is 404; the same externalId in A and B are two orders", async () => {
    const onlyB = await created(orderBody(), as(B));
    const back = await readBack(onlyB.externalId, as(A));
    expect(back.status).toBe(404);
    expect(errorCodeOf(back)).toBe("NOT_FOUND");
    // ... and the default store's read-back does not see it either.
    expect((await readBack(onlyB.externalId, as(null))).status).toBe(404);

    const externalId = newExternalId();
    const inA = await created(orderBody({ externalId, amount: 1_000 }), as(A));
    const inB = await created(orderBody({ externalId, amount: 2_000 }), as(B));
    expect(inA.orderId).not.toBe(inB.orderId);
    expect([await ordersOf(A.id, externalId), await ordersOf(B.id, externalId)]).toEqual([1, 1]);
    expect((await readBack(externalId, as(A))).body).toMatchObject({ orderId: inA.orderId, amount: 1_000 });
    expect((await readBack(externalId, as(B))).body).toMatchObject({ orderId: inB.orderId, amount: 2_000 });
    // A repeat from A updates A's order only.
    const repeat = await intake(orderBody({ externalId, amount: 1_500 }), as(A));
    expect(repeat.status).toBe(200);
    expect((await orderRow(inA.orderId)).amount).toBe(1_500);
    expect((await orderRow(inB.orderId)).amount).toBe(2_000);
  });

  it("nonces are per store: one nonce used by A and then by B passes once each; a replay within A is refused", async () => {
    const nonce = `shared${randomBytes(8).toString("hex")}`;
    expect((await intake(orderBody(), as(A, A.id, { nonce }))).status).toBe(201);
    expect((await intake(orderBody(), as(B, B.id, { nonce }))).status).toBe(201);
    expect((await intake(orderBody(), as(null, null, { nonce }))).status).toBe(201);
    const replay = await intake(orderBody(), as(A, A.id, { nonce }));
    expect(replay.status).toBe(401);
    expect(errorCodeOf(replay)).toBe("REPLAYED_SIGNATURE");
    expect(errorCodeOf(await intake(orderBody(), as(B, B.id, { nonce })))).toBe("REPLAYED_SIGNATURE");
    const rows = await db().signatureNonce.findMany({ where: { nonce }, orderBy: { storeId: "asc" } });
    expect(rows.map((r) => r.storeId).sort()).toEqual([A.id, B.id, DEFAULT_STORE_ID].sort());
  });
});

describe("refunds from an on-premise store's Bitrix", () => {
  it("go through that store's Kaspi for that store's order only", async () => {
    const oa = await created(orderBody({ amount: 5_000 }), as(A));
    await payOrder(fakeA, oa);
    // B cannot refund A's order: it is not B's (404), and nothing reaches any Kaspi.
    const fromB = await refund(oa.externalId, { amount: 1_000, refundId: "bx-1" }, as(B));
    expect(fromB.status).toBe(404);
    expect([fakeDefault.calls.refund, fakeA.calls.refund, fakeB.calls.refund]).toEqual([0, 0, 0]);
    const fromA = await refund(oa.externalId, { amount: 1_000, refundId: "bx-1" }, as(A));
    expect(fromA.status, JSON.stringify(fromA.body)).toBe(200);
    expect(fromA.body).toMatchObject({ status: "SUCCEEDED", refundedAmount: 1_000 });
    expect([fakeDefault.calls.refund, fakeA.calls.refund, fakeB.calls.refund]).toEqual([0, 1, 0]);
    const refunds = await db().refund.findMany({
      where: { paymentId: (await db().payment.findFirstOrThrow({ where: { orderId: oa.orderId } })).id },
    });
    expect(refunds.map((r) => r.storeId)).toEqual([A.id]);
  });
});

describe("notifications of an on-premise store", () => {
  it("A's paid order goes to A's notify URL, signed with A's secret (not B's, not the default's)", async () => {
    const oa = await created(orderBody({ amount: 7_000 }), as(A));
    await payOrder(fakeA, oa);
    const rows = await outboxOf(oa.orderId);
    expect(rows.length).toBeGreaterThan(0);
    const transport = outboxTransport();
    expect(transport).toBeDefined();
    for (const row of rows) {
      expect(row.storeId).toBe(A.id);
      expect(await transport!(row)).toMatchObject({ kind: "delivered", status: 200 });
    }
    expect(site.seen).toHaveLength(rows.length);
    for (const [i, seen] of site.seen.entries()) {
      expect(seen.method).toBe("POST");
      expect(seen.url).toBe(`/a${NOTIFY_PATH}`);
      expect(seen.body).toBe(rows[i]!.payload);
      const check = (secret: string) =>
        verifySignature({
          secret,
          timestamp: seen.headers["x-signature-timestamp"] as string,
          nonce: seen.headers["x-signature-nonce"] as string,
          signature: seen.headers["x-signature"] as string,
          method: "POST",
          target: seen.url,
          rawBody: seen.body,
          toleranceSeconds: 300,
        }).ok;
      expect([check(A.secret), check(B.secret), check(env().BITRIX_SHARED_SECRET)]).toEqual([true, false, false]);
      // The app → Bitrix direction names no store: the handler verifies with the one secret it has.
      expect(seen.headers[STORE_HEADER]).toBeUndefined();
    }
    expect(JSON.parse(site.seen[0]!.body)).toMatchObject({ externalId: oa.externalId });
  });

  it("an uninstalled on-premise store's rows are final, never sent", async () => {
    const gone = await createOnpremStore(db(), env().storeSecrets, {
      name: "Closed",
      notifyUrl: `${site.origin}/closed`,
      allowLoopbackHttp: true,
    });
    await db().store.update({ where: { id: gone.store.id }, data: { status: "uninstalled" } });
    const outcome = await outboxTransport()!({
      event: "payment.paid",
      payload: "{}",
      orderId: "ord_x",
      paymentId: "pay_x",
      storeId: gone.store.id,
    });
    expect(outcome.kind).toBe("final");
    expect(site.seen).toHaveLength(0);
  });
});

describe("the checkout page of an on-premise store's order", () => {
  it("is framed by that store's own site only: its checkoutUrl names the origin, bound to the token, and proxy.ts allows that origin alone", async () => {
    const oa = await created(orderBody(), as(A));
    const url = new URL(oa.checkoutUrl);
    expect(url.searchParams.get("portal")).toBe(A.origin);
    const frameAncestors = (u: string) =>
      proxy(new NextRequest(u, { method: "GET" }))
        .headers.get("content-security-policy")
        ?.match(/frame-ancestors [^;]*/)?.[0];
    expect(frameAncestors(oa.checkoutUrl)).toBe(`frame-ancestors ${A.origin}`);
    // Another origin in the URL, or the MAC of another checkout: the default store's framing.
    const forged = new URL(oa.checkoutUrl);
    forged.searchParams.set("portal", B.origin);
    expect(frameAncestors(forged.toString())).not.toContain(B.origin);
    const od = await created(orderBody(), as(null));
    expect(new URL(od.checkoutUrl).search).toBe("");
    const borrowed = new URL(od.checkoutUrl);
    borrowed.search = url.search;
    expect(frameAncestors(borrowed.toString())).not.toContain(A.origin);
  });

  it("talks to that store's origin only, not BITRIX_ORIGINS (the default store's) nor another store's", async () => {
    const oa = await created(orderBody(), as(A));
    const page = await loadCheckoutPage(checkoutPageDeps(), oa.token);
    expect(page?.parentOrigins).toContain(A.origin);
    expect(page?.parentOrigins).not.toContain(B.origin);
    for (const o of env().bitrixOrigins) expect(page?.parentOrigins).not.toContain(o);
    const od = await created(orderBody(), as(null));
    const defaultPage = await loadCheckoutPage(checkoutPageDeps(), od.token);
    expect(defaultPage?.parentOrigins).toEqual(expect.arrayContaining(env().bitrixOrigins));
    expect(defaultPage?.parentOrigins).not.toContain(A.origin);
  });
});
