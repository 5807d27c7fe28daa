import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { POST as remoteRoute } from "@/app/api/checkout/[token]/remote/route";
import { setKaspiGatewayForTests } from "@/lib/container";
import { db } from "@/lib/db";
import { EnvError, parseEnv, resetEnvForTests } from "@/lib/env";
import { installPeerAddressStamp, PEER_HEADER } from "@/lib/http/peer-address";
import type { KaspiGateway, KaspiRemoteInvoicePort } from "@/lib/kaspi/gateway";
import {
  LOOKUP_ADDRESS_WINDOW_MS,
  LOOKUP_EVENT,
  LOOKUP_TOKEN_WINDOW_MS,
  remoteClientInfo,
  resetClientInfoWindowForTests,
} from "@/lib/payments/remote-invoice-use-case";
import { startPaymentDeps } from "@/lib/container";
import { createFakeKaspiGateway, type FakeKaspiGateway } from "../support/fake-kaspi-gateway";
import { createOrder, errorCodeOf, eventsOf, jsonRequest, params, payOrder, read, type Answer } from "../helpers";

// Issue 21, finding 4: remote/client-info turns a phone number into the account holder's name with
// the merchant's Kaspi credentials. Look-ups are allowed only while the order is payable, at most
// REMOTE_LOOKUPS_PER_TOKEN (3) per checkout token in 24 h and REMOTE_LOOKUPS_PER_ADDRESS (20) per
// client address an hour — on top of Kaspi's 50 a minute per device (docs/security.md).

let fake: FakeKaspiGateway;
let lookups: string[] = [];

const remoteInvoice: KaspiRemoteInvoicePort = {
  async clientInfo(phone) {
    lookups.push(phone);
    return { ok: true, value: { clientName: "Айгерим К." } };
  },
  createInvoice: async () => ({ ok: true, value: { kaspiPaymentId: `rm-${Date.now()}` } }),
  cancelInvoice: async () => ({ ok: true, value: { rawStatus: "RemotePaymentCanceled" } }),
};

beforeAll(() => installPeerAddressStamp());
beforeEach(() => {
  fake = createFakeKaspiGateway();
  lookups = [];
  resetClientInfoWindowForTests();
  setKaspiGatewayForTests({ ...fake, protocol: "qr", remoteInvoice } satisfies KaspiGateway);
});
afterEach(() => setKaspiGatewayForTests(undefined));

let nextPeer = 1;
/** A client address of its own for each test (the per-address windows live in the process). */
const freshPeer = () => `198.51.100.${nextPeer++}`;

async function lookUp(token: string, phone: string, peer: string): Promise<Answer> {
  const request = jsonRequest(
    `/api/checkout/${token}/remote`,
    { action: "client-info", phone },
    { headers: { [PEER_HEADER]: peer } },
  );
  const response = await remoteRoute(request, params({ token }));
  const answer = await read(response);
  return { ...answer, body: { ...answer.body, retryAfter: response.headers.get("retry-after") } };
}

const phone = (i: number) => `+7 707 000 00 ${String(10 + i).padStart(2, "0")}`;

describe("phone-number look-ups only for a payable order", () => {
  it("a paid order's token cannot look up a name: 409, and Kaspi is not asked", async () => {
    const order = await createOrder();
    await payOrder(fake, order);
    const answer = await lookUp(order.token, phone(1), freshPeer());
    expect(answer.status).toBe(409);
    expect(errorCodeOf(answer)).toBe("ORDER_NOT_PAYABLE");
    expect(lookups).toEqual([]);
    expect((await eventsOf(order.orderId)).filter((e) => e.type === LOOKUP_EVENT)).toEqual([]);
  });

  it.each(["EXPIRED", "FAILED", "CANCELLED", "REFUNDED", "PARTIALLY_REFUNDED"])(
    "nor an order that is %s",
    async (status) => {
      const order = await createOrder();
      await db().order.update({ where: { id: order.orderId }, data: { status } });
      const answer = await lookUp(order.token, phone(1), freshPeer());
      expect(answer.status).toBe(409);
      expect(errorCodeOf(answer)).toBe("ORDER_NOT_PAYABLE");
      expect(lookups).toEqual([]);
    },
  );

  it("a new (CREATED) or open (PENDING) order's token can; the timeline records it, the number masked", async () => {
    const order = await createOrder();
    expect((await lookUp(order.token, phone(1), freshPeer())).body).toMatchObject({ clientName: "Айгерим К." });
    await db().order.update({ where: { id: order.orderId }, data: { status: "PENDING" } });
    expect((await lookUp(order.token, phone(2), freshPeer())).status).toBe(200);
    expect(lookups).toEqual(["+77070000011", "+77070000012"]);
    const events = (await eventsOf(order.orderId)).filter((e) => e.type === LOOKUP_EVENT);
    expect(events.map((e) => e.message)).toEqual([
      "look-up 1: the name on the Kaspi account of +770•••11",
      "look-up 2: the name on the Kaspi account of +770•••12",
    ]);
    expect(events.every((e) => e.source === "shopper" && !e.message?.includes("0000011"))).toBe(true);
  });
});

describe("at most REMOTE_LOOKUPS_PER_TOKEN (3) look-ups per checkout token in 24 h", () => {
  it("the 4th look-up on one token is refused with 429 and Retry-After, without a Kaspi call", async () => {
    const order = await createOrder();
    const peer = freshPeer();
    for (let i = 1; i <= 3; i++) expect((await lookUp(order.token, phone(i), peer)).status).toBe(200);
    const fourth = await lookUp(order.token, phone(4), peer);
    expect(fourth.status).toBe(429);
    expect(errorCodeOf(fourth)).toBe("RATE_LIMITED");
    const retryAfter = Number(fourth.body.retryAfter);
    expect(retryAfter).toBeGreaterThan(LOOKUP_TOKEN_WINDOW_MS / 1000 - 60);
    expect(retryAfter).toBeLessThanOrEqual(LOOKUP_TOKEN_WINDOW_MS / 1000);
    // The same number again counts too, and from another address the token is still spent.
    expect((await lookUp(order.token, phone(1), freshPeer())).status).toBe(429);
    expect(lookups).toHaveLength(3);
    // Another checkout from the same address is not affected by this token's cap.
    expect((await lookUp((await createOrder()).token, phone(5), peer)).status).toBe(200);
  });

  it("the count is in the database: a restarted process (fresh in-memory windows) still refuses", async () => {
    const order = await createOrder();
    for (let i = 1; i <= 3; i++) expect((await lookUp(order.token, phone(i), freshPeer())).status).toBe(200);
    resetClientInfoWindowForTests();
    expect((await lookUp(order.token, phone(4), freshPeer())).status).toBe(429);
    expect(lookups).toHaveLength(3);
  });

  it("ten concurrent look-ups on one token: exactly 3 reach Kaspi", async () => {
    const order = await createOrder();
    const peer = freshPeer();
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => lookUp(order.token, phone(i), peer)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(3);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(7);
    expect(lookups).toHaveLength(3);
  });

  it("a window of 24 h: look-ups older than that no longer count", async () => {
    const order = await createOrder();
    const deps = startPaymentDeps();
    const limits = { perToken: 3, perAddress: 100 };
    const dayAgo = new Date(Date.now() - LOOKUP_TOKEN_WINDOW_MS - 1000);
    for (let i = 1; i <= 3; i++) {
      const r = await remoteClientInfo(deps, {
        token: order.token,
        phone: phone(i),
        clientKey: "k",
        limits,
        now: dayAgo,
      });
      expect(r.ok).toBe(true);
    }
    const now = await remoteClientInfo(deps, { token: order.token, phone: phone(4), clientKey: "k", limits });
    expect(now.ok).toBe(true);
  });

  it("an invalid number costs nothing", async () => {
    const order = await createOrder();
    const peer = freshPeer();
    for (let i = 0; i < 5; i++) expect((await lookUp(order.token, "12345", peer)).status).toBe(422);
    for (let i = 1; i <= 3; i++) expect((await lookUp(order.token, phone(i), peer)).status).toBe(200);
  });
});

describe("at most REMOTE_LOOKUPS_PER_ADDRESS (20) look-ups per client address an hour", () => {
  it("many tokens from one address hit the address cap: 429 with Retry-After; another address still looks up", async () => {
    const peer = freshPeer();
    const tokens = await Promise.all(Array.from({ length: 8 }, () => createOrder().then((o) => o.token)));
    const answers: Answer[] = [];
    for (const token of tokens) for (let i = 1; i <= 3; i++) answers.push(await lookUp(token, phone(i), peer));
    // 8 tokens × 3 = 24 asked; the first 20 went through, the rest were refused by the address cap.
    expect(answers.slice(0, 20).every((a) => a.status === 200)).toBe(true);
    const refused = answers.slice(20);
    expect(refused.map((a) => a.status)).toEqual([429, 429, 429, 429]);
    expect(refused.map((a) => (a.body.error as { message: string }).message)).toEqual(
      Array(4).fill("too many look-ups from your address; send the invoice directly"),
    );
    const retryAfter = Number(refused[0]?.body.retryAfter);
    expect(retryAfter).toBeGreaterThan(LOOKUP_ADDRESS_WINDOW_MS / 1000 - 60);
    expect(retryAfter).toBeLessThanOrEqual(LOOKUP_ADDRESS_WINDOW_MS / 1000);
    expect(lookups).toHaveLength(20);
    // A refusal by the address cap did not spend the last token's look-ups.
    const last = tokens[tokens.length - 1] ?? "";
    expect((await lookUp(last, phone(1), freshPeer())).status).toBe(200);
    expect(
      (await eventsOf((await db().order.findFirstOrThrow({ where: { checkoutToken: last } })).id)).filter(
        (e) => e.type === LOOKUP_EVENT,
      ),
    ).toHaveLength(1);
  });

  it("an IPv6 client is one address per /64", async () => {
    const tokens = await Promise.all(Array.from({ length: 7 }, () => createOrder().then((o) => o.token)));
    let n = 0;
    const statuses: number[] = [];
    for (const token of tokens) {
      for (let i = 1; i <= 3; i++)
        statuses.push((await lookUp(token, phone(i), `2001:db8:7:7::${(++n).toString(16)}`)).status);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(statuses.at(-1)).toBe(429);
  });
});

describe("the settings", () => {
  const base = { BITRIX_SHARED_SECRET: "0123456789abcdef0123", KASPI_SANDBOX: "on" };

  it("default to 3 per token and 20 per address, and are validated", () => {
    expect(parseEnv(base)).toMatchObject({ REMOTE_LOOKUPS_PER_TOKEN: 3, REMOTE_LOOKUPS_PER_ADDRESS: 20 });
    expect(parseEnv({ ...base, REMOTE_LOOKUPS_PER_TOKEN: "5", REMOTE_LOOKUPS_PER_ADDRESS: "100" })).toMatchObject({
      REMOTE_LOOKUPS_PER_TOKEN: 5,
      REMOTE_LOOKUPS_PER_ADDRESS: 100,
    });
    for (const bad of [
      { REMOTE_LOOKUPS_PER_TOKEN: "0" },
      { REMOTE_LOOKUPS_PER_TOKEN: "x" },
      { REMOTE_LOOKUPS_PER_ADDRESS: "-1" },
    ]) {
      expect(() => parseEnv({ ...base, ...bad })).toThrow(EnvError);
      expect(() => parseEnv({ ...base, ...bad })).toThrow(Object.keys(bad)[0] ?? "");
    }
  });

  it("are read by the route: REMOTE_LOOKUPS_PER_TOKEN=1 allows one look-up per token", async () => {
    process.env.REMOTE_LOOKUPS_PER_TOKEN = "1";
    resetEnvForTests();
    try {
      const order = await createOrder();
      const peer = freshPeer();
      expect((await lookUp(order.token, phone(1), peer)).status).toBe(200);
      expect((await lookUp(order.token, phone(2), peer)).status).toBe(429);
    } finally {
      delete process.env.REMOTE_LOOKUPS_PER_TOKEN;
      resetEnvForTests();
    }
  });
});
