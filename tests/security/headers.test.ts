import { NextRequest } from "next/server";
import { describe, expect, it } from "vitest";
import { proxy } from "@/proxy";

// Issue sections 5 and 6: per-request script nonces without 'unsafe-inline', X-Frame-Options
// outside the checkout, and malformed paths answered 4xx before any route decodes them.

const get = (path: string) => proxy(new NextRequest(`http://app.test${path}`));

describe("CSP script nonce", () => {
  it("script-src has a fresh nonce and 'strict-dynamic', never 'unsafe-inline'", () => {
    const a = get("/pay/abcdefghijklmnop").headers.get("content-security-policy") ?? "";
    const b = get("/pay/abcdefghijklmnop").headers.get("content-security-policy") ?? "";
    const scriptSrc = /script-src ([^;]+)/.exec(a)?.[1] ?? "";
    expect(scriptSrc).toMatch(/'nonce-[A-Za-z0-9+/=]{20,}'/);
    expect(scriptSrc).toContain("'strict-dynamic'");
    expect(scriptSrc).not.toContain("'unsafe-inline'");
    expect(/'nonce-[^']+'/.exec(a)?.[0]).not.toBe(/'nonce-[^']+'/.exec(b)?.[0]);
  });

  it("hands the same policy to Next on the request, so its scripts carry the nonce", () => {
    const res = get("/merchant/login");
    const sent = res.headers.get("content-security-policy");
    expect(res.headers.get("x-middleware-request-content-security-policy")).toBe(sent);
  });

  it("frame-ancestors stays as it was: the checkout for Bitrix origins, 'none' elsewhere", () => {
    expect(get("/pay/abcdefghijklmnop").headers.get("content-security-policy")).toContain(
      "frame-ancestors 'self' https://shop.example.kz",
    );
    expect(get("/merchant").headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
  });
});

describe("X-Frame-Options", () => {
  it.each(["/", "/merchant", "/merchant/login", "/api/health", "/sandbox/kaspi/pay/x"])("DENY on %s", (path) => {
    expect(get(path).headers.get("x-frame-options")).toBe("DENY");
  });

  it("absent on the checkout, which Bitrix frames", () => {
    expect(get("/pay/abcdefghijklmnop").headers.get("x-frame-options")).toBeNull();
  });
});

describe("malformed paths", () => {
  it.each(["/api/checkout/%ff/status", "/api/orders/%ff", "/api/orders/%E0%A4%A", "/api/checkout/%ff/payment"])(
    "%s → 400 JSON",
    async (path) => {
      const res = get(path);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("BAD_REQUEST");
    },
  );

  it.each(["/pay/%ff", "/merchant/payments/%ff", "/sandbox/kaspi/pay/%c0"])("%s → 400 (not 500)", (path) => {
    expect(get(path).status).toBe(400);
  });
});
