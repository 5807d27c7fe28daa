import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrder } from "@/tests/helpers";
import { startLiveServer } from "@/tests/support/live-server";
import { db } from "../db";
import { resetEnvForTests } from "../env";
import { resetRateLimiterForTests } from "../http/request-gate";
import { orderChanged } from "./change-feed";

// The fast path behind server.mjs's routing on a real node:http server, against the test
// database: the same answers and headers as the route handlers behind proxy.ts, the same gate
// (tests/server/one-gate.test.ts compares the two whole), and the stream end to end.

let live: Awaited<ReturnType<typeof startLiveServer>>;
let origin: string;

beforeAll(async () => {
  process.env.RATE_LIMIT_STATUS = "5";
  resetEnvForTests();
  resetRateLimiterForTests();
  live = await startLiveServer();
  origin = live.origin;
});

afterAll(async () => {
  await live.close();
  delete process.env.RATE_LIMIT_STATUS;
  resetEnvForTests();
});

describe("live status paths on node:http", () => {
  it("answers the status from the read-only connection with the app's headers", async () => {
    const order = await createOrder();
    const res = await fetch(`${origin}/api/checkout/${order.token}/status`, {
      headers: { "x-request-id": "req-12345678" },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "CREATED" });
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    expect(res.headers.get("x-request-id")).toBe("req-12345678");
  });

  it("answers an unknown token with the JSON error shape", async () => {
    const res = await fetch(`${origin}/api/checkout/${"A".repeat(32)}/status`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { code: "NOT_FOUND", message: "unknown checkout" } });
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("hands other methods, bodies and odd paths to Next", async () => {
    const before = live.passedOn();
    const order = await createOrder();
    await fetch(`${origin}/api/checkout/${order.token}/status`, { method: "POST", body: "x" });
    await fetch(`${origin}/api/checkout/short/status`);
    await fetch(`${origin}/api/checkout/${order.token}/payment`);
    expect(live.passedOn() - before).toBe(3);
  });

  it("streams the status and its change", async () => {
    const order = await createOrder();
    const res = await fetch(`${origin}/api/checkout/${order.token}/events`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    const until = async (needle: string) => {
      while (!text.includes(needle)) text += decoder.decode((await reader.read()).value);
    };
    await until('"status":"CREATED"');
    await db().order.update({ where: { id: order.orderId }, data: { status: "CANCELLED" } });
    orderChanged(order.orderId);
    await until('"status":"CANCELLED"');
    await reader.cancel();
  });

  it("limits status reads per checkout token with RATE_LIMIT_STATUS, not per address (CGNAT)", async () => {
    // Twelve shoppers behind one address, 5 polls each (the limit): none refused.
    const orders = await Promise.all(Array.from({ length: 12 }, () => createOrder()));
    for (const order of orders) {
      for (let i = 0; i < 5; i++) {
        expect((await fetch(`${origin}/api/checkout/${order.token}/status`)).status).toBe(200);
      }
    }
    // The sixth poll of one token is, whatever address it claims to come from.
    const first = orders[0] as (typeof orders)[number];
    const res = await fetch(`${origin}/api/checkout/${first.token}/status`, {
      headers: { "x-forwarded-for": "203.0.113.77" },
    });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ error: { code: "RATE_LIMITED", message: "too many requests; slow down" } });
  });
});
