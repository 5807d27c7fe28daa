import { NextRequest } from "next/server";
import { afterAll, describe, expect, it } from "vitest";
import { resetEnvForTests } from "@/lib/env";
import { contentSecurityPolicy, cspSourceOf, formAction } from "@/lib/http/security-headers";
import { proxy } from "@/proxy";

// The Kaspi button's CSP (docs/kaspi.md §8): the checkout may post the order to KASPI_ONLINE_URL as
// a browser form (the fallback when Kaspi does not take the JSON request), and to nothing else;
// connect-src stays 'self' (the browser never calls Kaspi: the server does).

const csp = (path: string) =>
  proxy(new NextRequest(`http://app.test${path}`)).headers.get("content-security-policy") ?? "";
const directive = (policy: string, name: string) => new RegExp(`(?:^|; )${name} ([^;]+)`).exec(policy)?.[1];

function configure(env: Record<string, string | undefined>) {
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetEnvForTests();
}

afterAll(() =>
  configure({ KASPI_PROTOCOL: undefined, KASPI_CHECKPAY_SERVICE_ID: undefined, KASPI_ONLINE_URL: undefined }),
);

describe("form-action and connect-src", () => {
  it("check/pay + online (live): the checkout pages may post exactly to https://kaspi.kz/online", () => {
    configure({ KASPI_PROTOCOL: "checkpay", KASPI_CHECKPAY_SERVICE_ID: "5001", KASPI_CHECKPAY_ENTRY: undefined });
    for (const path of ["/pay/abcdefghijklmnop", "/bitrix24/pay"]) {
      expect(directive(csp(path), "form-action")).toBe("'self' https://kaspi.kz/online");
      expect(directive(csp(path), "connect-src")).toBe("'self'");
    }
    // Nowhere else: the merchant area, the API and the sandbox keep 'self'.
    for (const path of ["/merchant/login", "/api/health", "/sandbox/store"]) {
      expect(directive(csp(path), "form-action")).toBe("'self'");
    }
  });

  it("KASPI_ONLINE_URL is the one allowed, query dropped (CSP sources have none)", () => {
    configure({
      KASPI_PROTOCOL: "checkpay",
      KASPI_CHECKPAY_SERVICE_ID: "5001",
      KASPI_ONLINE_URL: "https://kaspi.kz/online?x=1",
    });
    expect(directive(csp("/pay/abcdefghijklmnop"), "form-action")).toBe("'self' https://kaspi.kz/online");
  });

  it.each([
    { name: "the link entry", env: { KASPI_PROTOCOL: "checkpay", KASPI_CHECKPAY_ENTRY: "link" } },
    { name: "the eCommerce API", env: { KASPI_PROTOCOL: "ecom" } },
    { name: "the QR API", env: { KASPI_PROTOCOL: "qr" } },
  ])("$name: nothing added", ({ env }) => {
    configure({
      KASPI_CHECKPAY_SERVICE_ID: undefined,
      KASPI_ONLINE_URL: undefined,
      KASPI_CHECKPAY_ENTRY: undefined,
      ...env,
    });
    expect(directive(csp("/pay/abcdefghijklmnop"), "form-action")).toBe("'self'");
    configure({ KASPI_CHECKPAY_ENTRY: undefined });
  });
});

describe("cspSourceOf", () => {
  it.each([
    ["https://kaspi.kz/online", "https://kaspi.kz/online"],
    ["https://kaspi.kz/online#x", "https://kaspi.kz/online"],
    ["http://127.0.0.1:3000/sandbox/kaspi/online", "http://127.0.0.1:3000/sandbox/kaspi/online"],
    ["https://kaspi.kz/a;script-src *", null],
    ["not a url", null],
  ])("%s → %s", (url, source) => {
    expect(cspSourceOf(url)).toBe(source);
  });

  it("a source that could end the directive is never written", () => {
    const policy = contentSecurityPolicy({
      pathname: "/pay/x",
      bitrixOrigins: [],
      sandboxEnabled: false,
      https: true,
      dev: false,
      nonce: "n",
      kaspiFormAction: "javascript:alert(1)",
    });
    expect(directive(policy, "form-action")).toBe("'self'");
    expect(formAction({ pathname: "/pay/x", kaspiFormAction: undefined })).toBe("'self'");
  });
});
