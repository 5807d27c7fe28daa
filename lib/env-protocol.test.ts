import { describe, expect, it } from "vitest";
import { envErrorMessage as message } from "@/tests/support/env-error";
import { KASPI_PROTOCOL_REQUIRED, parseEnv } from "./env";

// No protocol nobody chose: outside the sandbox KASPI_PROTOCOL has no default, and the refusal
// names the variable and the three contracts, one line each, with what Kaspi gives for each and
// the variables each needs (docs/kaspi.md).

const base = { BITRIX_SHARED_SECRET: "env-test-secret-0123456789", PORT: "3000" };

describe("KASPI_PROTOCOL outside the sandbox", () => {
  it.each([
    { name: "a public APP_URL", env: { APP_URL: "https://pay.shop.kz" } },
    { name: "a public APP_URL with an eCommerce token", env: { APP_URL: "https://pay.shop.kz", KASPI_TOKEN: "t" } },
    { name: "loopback with a QR device token", env: { KASPI_QR_DEVICE_TOKEN: "dt" } },
    { name: "loopback with a Service code", env: { KASPI_CHECKPAY_SERVICE_ID: "5001" } },
    { name: "loopback with the Service code's first name", env: { KASPI_GATEWAY_SERVICE_ID: "5001" } },
    { name: "KASPI_SANDBOX=off", env: { KASPI_SANDBOX: "off" } },
  ])("$name: start refuses, naming KASPI_PROTOCOL and the three contracts", ({ env }) => {
    const m = message({ ...base, ...env });
    expect(m).toContain("KASPI_PROTOCOL: is required outside the sandbox");
    const contracts = m.split("\n").filter((l) => /^ {2}(qr|checkpay|ecom) +— /.test(l));
    expect(contracts.map((l) => l.trim().split(" ")[0])).toEqual(["qr", "checkpay", "ecom"]);
    expect(contracts[0]).toMatch(/DeviceToken.*certificates.*KASPI_QR_DEVICE_TOKEN/);
    expect(contracts[1]).toMatch(/Service code.*addresses.*KASPI_CHECKPAY_SERVICE_ID.*KASPI_CHECKPAY_ALLOWED_IPS/);
    expect(contracts[2]).toMatch(/token.*documentation.*KASPI_TOKEN/);
    expect(m).not.toContain("env-test-secret");
  });

  it("the message is the one constant, so start and docs say the same", () => {
    expect(message({ ...base, APP_URL: "https://pay.shop.kz" })).toContain(KASPI_PROTOCOL_REQUIRED);
  });

  it.each([
    { name: "loopback, no credential (npm start's demo)", env: {} },
    {
      name: "KASPI_SANDBOX=on on a public URL (staging on purpose)",
      env: { APP_URL: "https://staging.shop.kz", KASPI_SANDBOX: "on" },
    },
  ])("$name: the sandbox runs without it (eCommerce simulator by default)", ({ env }) => {
    const e = parseEnv({ ...base, ...env });
    expect(e).toMatchObject({ sandboxEnabled: true, KASPI_PROTOCOL: "ecom", paymentMode: "sandbox" });
  });

  it.each(["ecom", "qr", "checkpay"])("a chosen protocol (%s) is taken as it is", (protocol) => {
    expect(message({ ...base, KASPI_PROTOCOL: protocol, APP_URL: "https://pay.shop.kz" })).not.toContain(
      "KASPI_PROTOCOL: is required",
    );
  });

  it("a malformed APP_URL is named, not hidden behind the protocol", () => {
    expect(message({ ...base, APP_URL: "not a url" })).toContain("APP_URL");
  });
});
