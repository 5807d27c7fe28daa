import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GET as eventsRoute } from "@/app/api/checkout/[token]/events/route";
import { resetEnvForTests } from "@/lib/env";
import { PEER_HEADER, installPeerAddressStamp } from "@/lib/http/peer-address";
import { closeStatusHub, statusHub } from "@/lib/live/status-hub";
import { createOrder, params } from "@/tests/helpers";
import { startLiveServer } from "@/tests/support/live-server";

// Status streams hold a socket and memory each: at most STREAMS_PER_TOKEN per checkout token,
// STREAMS_PER_ADDRESS per client address and STREAMS_PER_INSTANCE in all, counted once per process
// whichever code path opens them: the fast path (lib/live/node-handler.ts, in every mode) or the
// route handler under app/ (a GET the fast path hands to Next, e.g. with Content-Length: 0).

installPeerAddressStamp();

const VARS = { STREAMS_PER_TOKEN: "3", STREAMS_PER_ADDRESS: "4", STREAMS_PER_INSTANCE: "6", RATE_LIMIT_CHECKOUT: "0" };

function configure(extra: Record<string, string> = {}) {
  Object.assign(process.env, VARS, extra);
  resetEnvForTests();
  closeStatusHub(); // the next statusHub() reads the caps above
}

const open: ReadableStreamDefaultReader<Uint8Array>[] = [];

afterEach(async () => {
  for (const reader of open.splice(0)) await reader.cancel().catch(() => undefined);
  await new Promise((r) => setTimeout(r, 100)); // the server sees the closes
});

afterAll(() => {
  for (const k of [...Object.keys(VARS), "TRUSTED_PROXIES"]) delete process.env[k];
  resetEnvForTests();
});

/** A stream through the route handler, as Next would call it, from `peer`. */
async function viaRoute(token: string, peer: string): Promise<Response> {
  const res = await eventsRoute(
    new Request(`http://app.test/api/checkout/${token}/events`, { headers: { [PEER_HEADER]: peer } }),
    params({ token }),
  );
  if (res.status === 200) open.push((res.body as ReadableStream<Uint8Array>).getReader());
  return res;
}

async function viaFastPath(origin: string, token: string, headers: Record<string, string> = {}): Promise<Response> {
  const res = await fetch(`${origin}/api/checkout/${token}/events`, { headers });
  if (res.status === 200) open.push((res.body as ReadableStream<Uint8Array>).getReader());
  return res;
}

async function expectRefused(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  return body.error.message;
}

describe("open status streams are capped the same on both code paths", () => {
  let live: Awaited<ReturnType<typeof startLiveServer>>;
  beforeAll(async () => {
    configure();
    live = await startLiveServer({ hub: statusHub() });
  });
  afterAll(async () => {
    await live.close();
  });

  it("at most 3 per token: the 4th gets 429 on either path, and a closed stream frees a place", async () => {
    const order = await createOrder();
    expect((await viaFastPath(live.origin, order.token)).status).toBe(200);
    expect((await viaFastPath(live.origin, order.token)).status).toBe(200);
    expect((await viaRoute(order.token, "198.51.100.1")).status).toBe(200);
    expect(await expectRefused(await viaFastPath(live.origin, order.token), 429, "RATE_LIMITED")).toContain("checkout");
    expect(await expectRefused(await viaRoute(order.token, "198.51.100.2"), 429, "RATE_LIMITED")).toContain("checkout");
    // The shopper closes a tab: its place is free again.
    await open.shift()?.cancel();
    await new Promise((r) => setTimeout(r, 100));
    expect((await viaRoute(order.token, "198.51.100.3")).status).toBe(200);
  });

  it("a per-address cap counts one address's streams on both paths, across tokens", async () => {
    const [a, b] = [await createOrder(), await createOrder()];
    // The fast path's requests come from 127.0.0.1; the route's carry the same peer.
    expect((await viaFastPath(live.origin, a.token)).status).toBe(200);
    expect((await viaFastPath(live.origin, a.token)).status).toBe(200);
    expect((await viaRoute(b.token, "127.0.0.1")).status).toBe(200);
    expect((await viaFastPath(live.origin, b.token)).status).toBe(200);
    expect(await expectRefused(await viaFastPath(live.origin, b.token), 429, "RATE_LIMITED")).toContain("address");
    expect(await expectRefused(await viaRoute(b.token, "127.0.0.1"), 429, "RATE_LIMITED")).toContain("address");
    // Without a trusted proxy, a spoofed X-Forwarded-For does not buy a fresh address.
    const spoofed = await viaFastPath(live.origin, b.token, { "x-forwarded-for": "203.0.113.99" });
    expect(await expectRefused(spoofed, 429, "RATE_LIMITED")).toContain("address");
  });

  it("an instance ceiling answers 503 with Retry-After on both paths", async () => {
    const orders = await Promise.all(Array.from({ length: 3 }, () => createOrder()));
    for (let i = 0; i < 6; i++) {
      const order = orders[i % 3] as (typeof orders)[number];
      expect((await viaRoute(order.token, `192.0.2.${i + 1}`)).status).toBe(200);
    }
    await expectRefused(await viaRoute((orders[0] as (typeof orders)[number]).token, "192.0.2.200"), 503, "BUSY");
    await expectRefused(await viaFastPath(live.origin, (orders[1] as (typeof orders)[number]).token), 503, "BUSY");
  });
});

describe("behind a trusted proxy", () => {
  let live: Awaited<ReturnType<typeof startLiveServer>>;
  beforeAll(async () => {
    configure({ TRUSTED_PROXIES: "127.0.0.1" });
    live = await startLiveServer({ hub: statusHub() });
  });
  afterAll(async () => {
    await live.close();
  });

  it("the fast path counts the client the proxy names, as the route handler does", async () => {
    const orders = await Promise.all(Array.from({ length: 2 }, () => createOrder()));
    const [a, b] = orders as [(typeof orders)[number], (typeof orders)[number]];
    for (const token of [a.token, a.token, b.token, b.token]) {
      expect((await viaFastPath(live.origin, token, { "x-forwarded-for": "203.0.113.5" })).status).toBe(200);
    }
    const fifth = await viaFastPath(live.origin, b.token, { "x-forwarded-for": "203.0.113.5" });
    expect(await expectRefused(fifth, 429, "RATE_LIMITED")).toContain("address");
    // Another shopper behind the same proxy is someone else.
    expect((await viaFastPath(live.origin, b.token, { "x-forwarded-for": "203.0.113.6" })).status).toBe(200);
  });
});
