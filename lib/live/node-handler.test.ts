import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOrder } from "@/tests/helpers";
import { startLiveServer } from "@/tests/support/live-server";
import { db } from "../db";
import { resetEnvForTests } from "../env";
import { orderChanged } from "./change-feed";

// The production fast path on a real node:http server, against the test database: the same
// answers and headers as the route handlers behind proxy.ts, and the stream end to end.

let live: Awaited<ReturnType<typeof startLiveServer>>;
let origin: string;

beforeAll(async () => {
  process.env.RATE_LIMIT_CHECKOUT = "5";
  resetEnvForTests();
  live = await startLiveServer();
  origin = live.origin;
});

afterAll(async () => {
  await live.close();
  delete process.env.RATE_LIMIT_CHECKOUT;
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

  // Last: the limit per client address (5 a minute here) is spent by now.
  it("rate-limits status reads per client address and per checkout token", async () => {
    const order = await createOrder();
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await fetch(`${origin}/api/checkout/${order.token}/status`)).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
  });
});
