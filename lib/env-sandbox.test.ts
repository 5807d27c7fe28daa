import { describe, expect, it } from "vitest";
import { envErrorMessage } from "@/tests/support/env-error";
import { isLoopbackUrl, parseEnv } from "./env";

// Issue "the sandbox can never take a real order": without credentials on a public APP_URL the
// app refuses to start unless KASPI_SANDBOX=on says the sandbox is wanted there.

const base = { BITRIX_SHARED_SECRET: "env-sandbox-secret-0123456789" };

describe("sandbox fails closed on a public APP_URL", () => {
  it.each([
    ["ecom", "KASPI_TOKEN"],
    ["qr", "KASPI_QR_DEVICE_TOKEN"],
    ["checkpay", "KASPI_CHECKPAY_SERVICE_ID"],
  ])("%s without %s on https://pay.shop.kz is refused, naming both variables", (protocol, missing) => {
    const message = envErrorMessage({ ...base, APP_URL: "https://pay.shop.kz", KASPI_PROTOCOL: protocol });
    expect(message).toContain("KASPI_SANDBOX");
    expect(message).toContain(missing);
  });

  it("a misspelt token (KASPI_TOKNE) is the same as none", () => {
    expect(envErrorMessage({ ...base, APP_URL: "https://pay.shop.kz", KASPI_TOKNE: "real" })).toContain("KASPI_TOKEN");
  });

  it("KASPI_SANDBOX=on runs the sandbox on a public URL on purpose (staging)", () => {
    const e = parseEnv({ ...base, APP_URL: "https://staging.shop.kz", KASPI_SANDBOX: "on" });
    expect(e.sandboxEnabled).toBe(true);
    expect(e.paymentMode).toBe("sandbox");
  });

  it.each(["http://localhost:3000", "http://127.0.0.1:4300", "http://127.8.9.10", "http://[::1]:3000"])(
    "loopback %s keeps the zero-config sandbox",
    (url) => {
      const e = parseEnv({ ...base, APP_URL: url });
      expect(e.sandboxEnabled).toBe(true);
      expect(e.paymentMode).toBe("sandbox");
    },
  );

  it("no APP_URL at all (npm start on a fresh machine) is localhost: the demo runs", () => {
    expect(parseEnv(base).sandboxEnabled).toBe(true);
  });

  it("with credentials a public URL is live", () => {
    const e = parseEnv({ ...base, APP_URL: "https://pay.shop.kz", KASPI_PROTOCOL: "ecom", KASPI_TOKEN: "tok" });
    expect(e.sandboxEnabled).toBe(false);
    expect(e.paymentMode).toBe("live");
  });

  it("isLoopbackUrl does not take look-alikes", () => {
    expect(isLoopbackUrl("http://localhost.evil.kz")).toBe(false);
    expect(isLoopbackUrl("http://127.0.0.1.nip.io")).toBe(false);
    expect(isLoopbackUrl("http://128.0.0.1")).toBe(false);
    expect(isLoopbackUrl("not a url")).toBe(false);
  });
});
