import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as recheckRoute } from "@/app/api/merchant/payments/[id]/recheck/route";
import { POST as refundRoute } from "@/app/api/merchant/payments/[id]/refund/route";
import { POST as returnQrRoute } from "@/app/api/merchant/payments/[id]/return-qr/route";
import { GET as exportRoute } from "@/app/api/merchant/payments/export/route";
import { GET as listRoute } from "@/app/api/merchant/payments/route";
import { POST as receiptRetryRoute } from "@/app/api/merchant/receipts/[id]/retry/route";
import { POST as refundRetryRoute } from "@/app/api/merchant/refunds/[id]/retry/route";
import { GET as returnQrStatusRoute } from "@/app/api/merchant/return-qrs/[id]/route";
import { POST as disableUserRoute } from "@/app/api/merchant/users/[id]/route";
import { GET as usersRoute, POST as addUserRoute } from "@/app/api/merchant/users/route";
import { setKaspiGatewayForTests, setStoreKaspiGatewayForTests } from "@/lib/container";
import { db } from "@/lib/db";
import type { KaspiReturnQrPort } from "@/lib/kaspi/gateway";
import { merchantOverview } from "@/lib/merchant/overview";
import { paymentDetail } from "@/lib/merchant/payment-detail";
import { readyReturnQr } from "@/lib/payments/return-qr-use-case";
import { DEFAULT_STORE_ID } from "@/lib/stores/store-id";
import { createFakeKaspiGateway } from "@/tests/support/fake-kaspi-gateway";
import { params, type Answer } from "../helpers";
import { merchantRequest, read, signedIn, type TestSession } from "../merchant/merchant-helpers";

// Issue #20, point 1: a merchant user of one store never reads or changes another store's
// payments, refunds, return QRs, receipts or users. Two stores ("default" and "sto_b") hold look-
// alike data; every check runs both ways through the real route handlers. Another store's id must
// answer exactly as an unknown id does (404 NOT_FOUND, same body), so nothing tells it exists.
//
// The search terms overlap on purpose: each store has an order, account number and Kaspi id equal
// to a part of the other store's. So a search for the other store's exact value must fall through
// to this store's partial matches (another store's exact hit must not hide them).

const A = DEFAULT_STORE_ID;
const B = "sto_b";
type StoreId = typeof A | typeof B;
const other = (s: StoreId): StoreId => (s === A ? B : A);
/** Per store: the digit its own exact terms carry, and the one the other store's exact terms carry. */
const mine = { [A]: "7", [B]: "8" } as const;
const tag = { [A]: "a", [B]: "b" } as const;

const NOW = new Date();
const HOUR_AGO = new Date(NOW.getTime() - 3_600_000);

type Seed = {
  payments: string[];
  paid: string;
  pending: string;
  refund: string;
  returnQr: string;
  receipt: string;
  amounts: number[];
  paidSum: number;
  phone: string;
  externalId: string;
  account: string;
  kaspiId: string;
};
const seed = {} as Record<StoreId, Seed>;
const admin = {} as Record<StoreId, TestSession>;
const viewer = {} as Record<StoreId, TestSession>;

async function userId(session: TestSession): Promise<string> {
  return (await db().merchantUser.findUniqueOrThrow({ where: { email: session.email } })).id;
}

async function seedStore(storeId: StoreId): Promise<Seed> {
  const t = tag[storeId];
  const own = mine[storeId];
  const theirs = mine[other(storeId)];
  const base = storeId === A ? 1_000 : 10_000;
  const phonePrefix = storeId === A ? "+7701000000" : "+7702000000";
  // 1: the store's exact terms; 2: terms that contain the other store's exact terms; 3: the same
  // externalId in both stores.
  const orders = [
    { n: 1, externalId: `ORD-${own}`, account: `ACC-${own}`, kaspiId: `KPX-${own}`, status: "PAID" },
    {
      n: 2,
      externalId: `ORD-${theirs}-${t}`,
      account: `ACC-${theirs}-${t}`,
      kaspiId: `KPX-${theirs}-${t}`,
      status: "PAID",
    },
    { n: 3, externalId: "ORD-SAME", account: `ACC-SAME-${t}`, kaspiId: `KPX-SAME-${t}`, status: "PENDING" },
  ];
  const payments: string[] = [];
  const amounts: number[] = [];
  for (const o of orders) {
    const orderId = `ord_iso_${t}${o.n}`;
    const paymentId = `pay_iso_${t}${o.n}`;
    const amount = base * o.n;
    const paid = o.status === "PAID";
    await db().order.create({
      data: {
        id: orderId,
        storeId,
        externalId: o.externalId,
        accountNumber: o.account,
        amount,
        currency: "KZT",
        phone: `${phonePrefix}${o.n}`,
        checkoutToken: `tok_iso_${t}${o.n}`,
        status: o.status,
        createdAt: HOUR_AGO,
      },
    });
    await db().payment.create({
      data: {
        id: paymentId,
        storeId,
        orderId,
        attempt: 1,
        protocol: "ecom",
        kaspiExternalId: `kx-iso-${t}${o.n}`,
        kaspiPaymentId: o.kaspiId,
        amount,
        status: o.status,
        createdAt: HOUR_AGO,
        paidAt: paid ? HOUR_AGO : null,
      },
    });
    payments.push(paymentId);
    amounts.push(amount);
  }
  const paidId = `pay_iso_${t}1`;
  const refund = `rfd_iso_${t}`;
  await db().refund.create({
    data: { id: refund, storeId, paymentId: paidId, orderId: `ord_iso_${t}1`, amount: 100, status: "PENDING" },
  });
  await db().payment.update({ where: { id: paidId }, data: { refundingAmount: 100 } });
  const returnQr = `rqr_iso_${t}`;
  await db().qrReturn.create({
    data: {
      id: returnQr,
      storeId,
      paymentId: paidId,
      orderId: `ord_iso_${t}1`,
      qrReturnId: `qrr-iso-${t}`,
      qrToken: "https://kaspi.test/return",
      status: "CustomerIdentityObtained",
      pollIntervalMs: 60_000,
    },
  });
  const receipt = `frc_iso_${t}`;
  await db().fiscalReceipt.create({
    data: {
      id: receipt,
      storeId,
      key: `sale:${paidId}`,
      kind: "sale",
      orderId: `ord_iso_${t}1`,
      paymentId: paidId,
      provider: "webkassa",
      cashbox: `SWK-ISO-${t}`,
      externalCheckNumber: `ext-iso-${t}`,
      document: "{}",
      total: base,
      status: "FAILED",
      lastError: "refused",
    },
  });
  return {
    payments,
    paid: paidId,
    pending: `pay_iso_${t}3`,
    refund,
    returnQr,
    receipt,
    amounts,
    paidSum: base * 3, // orders 1 and 2 are paid
    phone: `${phonePrefix}1`,
    externalId: `ORD-${own}`,
    account: `ACC-${own}`,
    kaspiId: `KPX-${own}`,
  };
}

beforeAll(async () => {
  const fake = createFakeKaspiGateway();
  const returnQr: KaspiReturnQrPort = {
    async createReturnQr({ externalId }) {
      return {
        ok: true,
        value: { qrReturnId: `new-${externalId}`, qrToken: "https://kaspi.test/r", pollIntervalMs: 1 },
      };
    },
    async getReturnQr() {
      return { ok: true, value: { rawStatus: "QrTokenCreated", ready: false, final: false } };
    },
  };
  // Each store reaches Kaspi through its own gateway (lib/container.ts kaspiGatewayFor): both get
  // one that can refund and make return QRs, so every answer below is about whose data it is.
  setKaspiGatewayForTests({ ...fake, returnQr });
  setStoreKaspiGatewayForTests(B, { ...fake, returnQr });
  for (const s of [A, B] as const) {
    seed[s] = await seedStore(s);
    admin[s] = await signedIn("admin", s);
    viewer[s] = await signedIn("viewer", s);
  }
}, 60_000);
afterAll(() => {
  setKaspiGatewayForTests(undefined);
  setStoreKaspiGatewayForTests(B, undefined);
});

type ListBody = {
  payments: { id: string }[];
  totals: { count: number; paidCount: number; paidSum: number; refundedSum: number };
};

async function list(session: TestSession, query = ""): Promise<Answer<ListBody>> {
  return read<ListBody>(await listRoute(merchantRequest(`/api/merchant/payments${query}`, { session })));
}
const ids = (a: Answer<ListBody>) => a.body.payments.map((p) => p.id).sort();
const q = (term: string) => `?q=${encodeURIComponent(term)}`;

/** A POST to a route with an {id}, as `session`. */
type IdRoute = (request: Request, ctx: { params: Promise<{ id: string }> }) => Promise<Response>;
async function post(route: IdRoute, path: string, id: string, session: TestSession, body: unknown = {}) {
  return read(await route(merchantRequest(path.replace("{id}", id), { session, body }), params({ id })));
}

describe.each([
  [A, B],
  [B, A],
] as const)("a merchant user of store %s and the data of store %s", (me, them) => {
  it("the list shows only this store's payments, and its totals count only them", async () => {
    const answer = await list(viewer[me]);
    expect(answer.status).toBe(200);
    expect(ids(answer)).toEqual([...seed[me].payments].sort());
    expect(answer.body.totals).toEqual({
      count: 3,
      paidCount: 2,
      paidSum: seed[me].paidSum,
      refundedSum: 0,
    });
    const paidOnly = await list(viewer[me], "?status=PAID");
    expect(ids(paidOnly)).toEqual([seed[me].paid, seed[me].payments[1]].sort());
    expect(paidOnly.body.totals.paidSum).toBe(seed[me].paidSum);
  });

  it("searching the other store's externalId, account number and Kaspi id finds only this store's partial matches", async () => {
    const lookalike = seed[me].payments[1]; // its terms contain the other store's exact ones
    for (const term of [seed[them].externalId, seed[them].account, seed[them].kaspiId]) {
      const answer = await list(viewer[me], q(term));
      expect(ids(answer), term).toEqual([lookalike]);
      expect(answer.body.totals.count, term).toBe(1);
    }
    // This store's own exact terms still find exactly its payment.
    for (const term of [seed[me].externalId, seed[me].account, seed[me].kaspiId]) {
      expect(ids(await list(viewer[me], q(term))), term).toEqual([seed[me].paid]);
    }
  });

  it("searching the other store's phone, or an externalId both stores have, shows nothing of the other store", async () => {
    for (const term of [seed[them].phone, seed[them].phone.replace("+7", "8 ")]) {
      const answer = await list(viewer[me], q(term));
      expect(ids(answer), term).toEqual([]);
      expect(answer.body.totals).toMatchObject({ count: 0, paidSum: 0 });
    }
    expect(ids(await list(viewer[me], q(seed[me].phone)))).toEqual([seed[me].paid]);
    expect(ids(await list(viewer[me], q("ORD-SAME")))).toEqual([seed[me].pending]);
  });

  it("the CSV export holds only this store's payments, searched or not", async () => {
    const csv = async (query: string) => {
      const res = await exportRoute(merchantRequest(`/api/merchant/payments/export${query}`, { session: viewer[me] }));
      expect(res.status).toBe(200);
      return res.text();
    };
    const all = await csv("");
    for (const id of seed[me].payments) expect(all).toContain(id);
    for (const id of seed[them].payments) expect(all).not.toContain(id);
    expect(all).not.toContain(`ACC-SAME-${tag[them]}`);
    const searched = await csv(q("ORD-SAME"));
    expect(searched).toContain(seed[me].pending);
    expect(searched).not.toContain(seed[them].pending);
  });

  it("the overview sums and counts only this store's payments and orders", async () => {
    const overview = await merchantOverview(db(), me, NOW, 2);
    expect(overview.days.reduce((s, d) => s + d.paidSum, 0)).toBe(seed[me].paidSum);
    expect(overview.days.reduce((s, d) => s + d.paidCount, 0)).toBe(2);
    expect({ created: overview.ordersCreated, paid: overview.ordersPaid }).toEqual({ created: 3, paid: 2 });
  });

  it("the payment page finds the other store's payment no more than an unknown one", async () => {
    expect(await paymentDetail(db(), me, seed[them].paid)).toBeNull();
    expect(await paymentDetail(db(), me, "pay_unknown")).toBeNull();
    const own = await paymentDetail(db(), me, seed[me].paid);
    expect(own?.payment.id).toBe(seed[me].paid);
    expect(own?.refunds.map((r) => r.id)).toEqual([seed[me].refund]);
    expect(own?.receipts.map((r) => r.id)).toEqual([seed[me].receipt]);
    // The page's "return QR scanned" state.
    expect(await readyReturnQr(db(), me, seed[them].paid)).toBeNull();
    expect((await readyReturnQr(db(), me, seed[me].paid))?.id).toBe(seed[me].returnQr);
  });

  // Each action: the other store's id answers exactly as an unknown id, and the other store's rows
  // are left as they were; this store's own id gets past the look-up (whatever Kaspi then says).
  const actions: {
    name: string;
    route: IdRoute;
    path: string;
    id: (s: StoreId) => string;
    unknown: string;
    body?: unknown;
    get?: boolean;
  }[] = [
    {
      name: "refund",
      route: refundRoute,
      path: "/api/merchant/payments/{id}/refund",
      id: (s) => seed[s].payments[1] ?? "",
      unknown: "pay_unknown",
      body: { amount: 100 },
    },
    {
      name: "refund retry",
      route: refundRetryRoute,
      path: "/api/merchant/refunds/{id}/retry",
      id: (s) => seed[s].refund,
      unknown: "rfd_unknown",
    },
    {
      name: "re-check with Kaspi",
      route: recheckRoute,
      path: "/api/merchant/payments/{id}/recheck",
      id: (s) => seed[s].paid,
      unknown: "pay_unknown",
    },
    {
      name: "return QR",
      route: returnQrRoute,
      path: "/api/merchant/payments/{id}/return-qr",
      id: (s) => seed[s].payments[1] ?? "",
      unknown: "pay_unknown",
    },
    {
      name: "return QR status",
      route: returnQrStatusRoute,
      path: "/api/merchant/return-qrs/{id}",
      id: (s) => seed[s].returnQr,
      unknown: "rqr_unknown",
      get: true,
    },
    {
      name: "receipt retry",
      route: receiptRetryRoute,
      path: "/api/merchant/receipts/{id}/retry",
      id: (s) => seed[s].receipt,
      unknown: "frc_unknown",
    },
  ];

  it.each(actions.map((a) => [a.name, a] as const))("%s: 404 for the other store's id", async (_name, action) => {
    const call = async (id: string) =>
      action.get
        ? read(
            await action.route(
              merchantRequest(action.path.replace("{id}", id), { session: admin[me] }),
              params({ id }),
            ),
          )
        : post(action.route, action.path, id, admin[me], action.body);
    const rowsOf = async (s: StoreId) => ({
      payments: await db().payment.findMany({ where: { storeId: s }, orderBy: { id: "asc" } }),
      refunds: await db().refund.findMany({ where: { storeId: s }, orderBy: { id: "asc" } }),
      returnQrs: await db().qrReturn.findMany({ where: { storeId: s }, orderBy: { id: "asc" } }),
      receipts: await db().fiscalReceipt.findMany({ where: { storeId: s }, orderBy: { id: "asc" } }),
      events: await db().paymentEvent.count({ where: { orderId: { startsWith: `ord_iso_${tag[s]}` } } }),
    });
    const before = await rowsOf(them);
    const unknown = await call(action.unknown);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: "NOT_FOUND" } });
    const theirs = await call(action.id(them));
    expect(theirs).toEqual(unknown);
    expect(await rowsOf(them)).toEqual(before);
    const own = await call(action.id(me));
    expect(own.status, JSON.stringify(own.body)).not.toBe(404);
  });

  it("users: the admin lists only this store's users and cannot disable the other store's", async () => {
    const listed = await read<{ users: { id: string; email: string }[] }>(
      await usersRoute(merchantRequest("/api/merchant/users", { session: admin[me] })),
    );
    expect(listed.status).toBe(200);
    const emails = listed.body.users.map((u) => u.email);
    expect(emails).toEqual(expect.arrayContaining([admin[me].email, viewer[me].email]));
    expect(emails).not.toContain(admin[them].email);
    expect(emails).not.toContain(viewer[them].email);
    const storesListed = await db().merchantUser.findMany({
      where: { id: { in: listed.body.users.map((u) => u.id) } },
      select: { storeId: true },
    });
    expect(new Set(storesListed.map((u) => u.storeId))).toEqual(new Set([me]));

    const path = "/api/merchant/users/{id}";
    const unknown = await post(disableUserRoute, path, "usr_unknown", admin[me], { disabled: true });
    expect(unknown.status).toBe(404);
    const target = await userId(viewer[them]);
    const theirs = await post(disableUserRoute, path, target, admin[me], { disabled: true });
    expect(theirs).toEqual(unknown);
    expect((await db().merchantUser.findUniqueOrThrow({ where: { id: target } })).disabledAt).toBeNull();
    // The other store's user is still signed in.
    expect((await list(viewer[them])).status).toBe(200);
  });

  it("users: an admin cannot take over the other store's user by adding its e-mail; a new user joins the admin's store", async () => {
    const target = await db().merchantUser.findUniqueOrThrow({ where: { email: viewer[them].email } });
    const taken = await read(
      await addUserRoute(
        merchantRequest("/api/merchant/users", {
          session: admin[me],
          body: { email: viewer[them].email.toUpperCase(), role: "admin" },
        }),
      ),
    );
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ error: { code: "CONFLICT" } });
    expect(JSON.stringify(taken.body)).not.toContain(them);
    const after = await db().merchantUser.findUniqueOrThrow({ where: { id: target.id } });
    expect(after).toEqual(target);
    expect((await list(viewer[them])).status).toBe(200);

    const email = `new-${tag[me]}-${process.pid}@shop.test`;
    const added = await read<{ userId: string }>(
      await addUserRoute(
        merchantRequest("/api/merchant/users", { session: admin[me], body: { email, role: "viewer" } }),
      ),
    );
    expect(added.status).toBe(201);
    expect((await db().merchantUser.findUniqueOrThrow({ where: { id: added.body.userId } })).storeId).toBe(me);
  });
});
