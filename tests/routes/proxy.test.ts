import { NextRequest } from "next/server";
import { afterEach, describe, expect, it } from "vitest";
import { resetEnvForTests } from "@/lib/env";
import { PEER_HEADER, installPeerAddressStamp } from "@/lib/http/peer-address";
import { proxy } from "@/proxy";

// The server stamps every request with its socket peer (what a client cannot choose); tests set it.
installPeerAddressStamp();

// proxy.ts runs before every route: methods, sizes, floods, request ids and security headers.

let ip = 0;
function request(path: string, init: { method?: string; headers?: Record<string, string> } = {}) {
  ip++;
  return new NextRequest(`http://app.test${path}`, {
    method: init.method ?? "GET",
    headers: { [PEER_HEADER]: `10.0.0.${ip}`, ...init.headers },
  });
}

async function bodyOf(res: Response) {
  return (await res.json()) as { error: { code: string } };
}

afterEach(() => {
  delete process.env.RATE_LIMIT_CALLBACK;
  delete process.env.APP_URL;
  process.env.APP_URL = "http://app.test";
  resetEnvForTests();
});

describe("proxy", () => {
  it.each([
    ["PUT", "/api/orders", "POST"],
    ["GET", "/api/orders", "POST"],
    ["DELETE", "/api/orders/abc", "GET"],
    ["POST", "/api/checkout/tok/status", "GET"],
    ["GET", "/api/checkout/tok/payment", "POST"],
    ["PATCH", "/api/kaspi/callback", "POST"],
  ])("%s %s → 405 JSON with Allow: %s", async (method, path, allow) => {
    const res = proxy(request(path, { method }));
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe(allow);
    expect((await bodyOf(res)).error.code).toBe("METHOD_NOT_ALLOWED");
  });

  it("allowed methods pass through to the route", () => {
    const res = proxy(request("/api/orders", { method: "POST", headers: { "content-length": "10" } }));
    expect(res.headers.get("x-middleware-next")).toBe("1");
  });

  it("a declared body over the limit → 413 before the route reads it", async () => {
    const res = proxy(request("/api/kaspi/callback", { method: "POST", headers: { "content-length": "10000000" } }));
    expect(res.status).toBe(413);
    expect((await bodyOf(res)).error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("more requests than the limit from one address → 429 with Retry-After; others unaffected", async () => {
    process.env.RATE_LIMIT_CALLBACK = "3";
    resetEnvForTests();
    const from = { [PEER_HEADER]: "192.0.2.7" };
    const statuses = Array.from(
      { length: 5 },
      () => proxy(request("/api/kaspi/callback", { method: "POST", headers: from })).status,
    );
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    const limited = proxy(request("/api/kaspi/callback", { method: "POST", headers: from }));
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await bodyOf(limited)).error.code).toBe("RATE_LIMITED");
    const other = proxy(request("/api/kaspi/callback", { method: "POST", headers: { [PEER_HEADER]: "192.0.2.8" } }));
    expect(other.status).not.toBe(429);
  });

  it("only the checkout may be framed, and only by the configured origins (and the sandbox's store)", () => {
    const pay = proxy(request("/pay/abc"));
    expect(pay.headers.get("content-security-policy")).toContain("frame-ancestors 'self' https://shop.example.kz");
    for (const path of ["/", "/api/orders/x", "/sandbox/kaspi/pay/1"]) {
      expect(proxy(request(path)).headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    }
  });

  it("every response has nosniff and a referrer policy; HSTS only over https", () => {
    const res = proxy(request("/api/health"));
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    expect(res.headers.get("strict-transport-security")).toBeNull();
    process.env.APP_URL = "https://pay.example.kz";
    resetEnvForTests();
    expect(proxy(request("/api/health")).headers.get("strict-transport-security")).toContain("max-age=");
  });

  it("errors answered by the proxy carry the security headers too", () => {
    const res = proxy(request("/api/orders", { method: "PUT" }));
    expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });

  it("gives every request an id, keeping a well-formed incoming one", () => {
    const fresh = proxy(request("/api/health")).headers.get("x-request-id");
    expect(fresh).toMatch(/^[0-9a-f-]{36}$/);
    const kept = proxy(request("/api/health", { headers: { "x-request-id": "bitrix-req-12345" } }));
    expect(kept.headers.get("x-request-id")).toBe("bitrix-req-12345");
    const junk = proxy(request("/api/health", { headers: { "x-request-id": "<script>" } }));
    expect(junk.headers.get("x-request-id")).not.toBe("<script>");
  });
});
