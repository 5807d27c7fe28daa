import { describe, expect, it } from "vitest";
import { envErrorMessage as message } from "@/tests/support/env-error";
import { parseEnv } from "./env";

// Configuration of the Kaspi QR and check/pay protocols: the sandbox by default, and each real
// scheme's required values named in the error.

const base = { BITRIX_SHARED_SECRET: "env-test-secret-0123456789", PORT: "3000" };

describe("KASPI_PROTOCOL=qr", () => {
  it("without a device token: the sandbox's QR API and its demo device", () => {
    const e = parseEnv({ ...base, KASPI_PROTOCOL: "qr" });
    expect(e).toMatchObject({
      sandboxEnabled: true,
      kaspiQrBaseUrl: "http://127.0.0.1:3000/sandbox/kaspi/qr/r1/v01/",
      kaspiQrDeviceToken: "sandbox-device-token",
    });
  });

  it.each([
    { scheme: "r1", url: "https://mtokentest.kaspi.kz:8543/r1/v01/", extra: { KASPI_QR_API_KEY: "k" } },
    {
      scheme: "r2",
      url: "https://mtokentest.kaspi.kz:8544/r2/v01/",
      extra: { KASPI_QR_PFX_FILE: "/etc/kaspi/client.pfx" },
    },
    {
      scheme: "r3",
      url: "https://mtokentest.kaspi.kz:8545/r3/v01/",
      extra: { KASPI_QR_CERT_FILE: "c.pem", KASPI_QR_KEY_FILE: "k.pem", KASPI_QR_ORGANIZATION_BIN: "123456789012" },
    },
  ])("real $scheme (docs/kaspi.md §1: the configured host, no default)", ({ scheme, url, extra }) => {
    const e = parseEnv({
      ...base,
      KASPI_PROTOCOL: "qr",
      KASPI_QR_SCHEME: scheme,
      KASPI_QR_DEVICE_TOKEN: "dt",
      KASPI_QR_BASE_URL: url,
      ...extra,
    });
    expect(e).toMatchObject({ sandboxEnabled: false, kaspiQrBaseUrl: url, KASPI_QR_STATUS_VERSION: "v01" });
  });

  it("docs/kaspi.md §1: outside the sandbox KASPI_QR_BASE_URL is required (no invented production host)", () => {
    const m = message({ ...base, KASPI_PROTOCOL: "qr", KASPI_QR_DEVICE_TOKEN: "dt", KASPI_QR_API_KEY: "k" });
    expect(m).toContain("KASPI_QR_BASE_URL: is required outside the sandbox");
    expect(m).not.toContain("qrapi.kaspi.kz");
  });

  it("docs/kaspi.md §2 (v02 [3P]): KASPI_QR_STATUS_VERSION accepts v01 and v02 only", () => {
    expect(parseEnv({ ...base, KASPI_PROTOCOL: "qr", KASPI_QR_STATUS_VERSION: "v02" }).KASPI_QR_STATUS_VERSION).toBe(
      "v02",
    );
    expect(message({ ...base, KASPI_PROTOCOL: "qr", KASPI_QR_STATUS_VERSION: "v03" })).toContain(
      "KASPI_QR_STATUS_VERSION",
    );
  });

  it.each([
    { name: "r1 without an API key", env: { KASPI_QR_SCHEME: "r1" }, error: "KASPI_QR_API_KEY: is required" },
    { name: "r2 without a certificate", env: { KASPI_QR_SCHEME: "r2" }, error: "KASPI_QR_CERT_FILE" },
    {
      name: "r3 without a BIN",
      env: { KASPI_QR_SCHEME: "r3", KASPI_QR_PFX_FILE: "p" },
      error: "KASPI_QR_ORGANIZATION_BIN: is required",
    },
    { name: "a malformed BIN", env: { KASPI_QR_ORGANIZATION_BIN: "12" }, error: "12-digit BIN" },
  ])("$name is refused", ({ env, error }) => {
    expect(
      message({
        ...base,
        KASPI_PROTOCOL: "qr",
        KASPI_QR_DEVICE_TOKEN: "dt",
        KASPI_QR_BASE_URL: "https://h/r1/v01/",
        ...env,
      }),
    ).toContain(error);
  });

  it("KASPI_SANDBOX=off needs the protocol's own credential", () => {
    expect(message({ ...base, KASPI_PROTOCOL: "qr", KASPI_SANDBOX: "off" })).toContain("KASPI_QR_DEVICE_TOKEN");
    expect(message({ ...base, KASPI_PROTOCOL: "checkpay", KASPI_SANDBOX: "off" })).toContain(
      "KASPI_CHECKPAY_SERVICE_ID",
    );
  });
});

describe("KASPI_QR_SCHEME=r3", () => {
  it("needs KASPI_QR_ORGANIZATION_BIN, in the sandbox too (docs/kaspi.md §1: r3 sends it with every call)", () => {
    expect(message({ ...base, KASPI_PROTOCOL: "qr", KASPI_QR_SCHEME: "r3" })).toContain("KASPI_QR_ORGANIZATION_BIN");
    expect(() =>
      parseEnv({ ...base, KASPI_PROTOCOL: "qr", KASPI_QR_SCHEME: "r3", KASPI_QR_ORGANIZATION_BIN: "123456789012" }),
    ).not.toThrow();
  });
});

describe("KASPI_PROTOCOL=checkpay", () => {
  it("has one name: `gateway`, its first name, is refused with a pointer to `checkpay`", () => {
    expect(message({ ...base, KASPI_PROTOCOL: "gateway" })).toContain("set KASPI_PROTOCOL=checkpay");
    expect(parseEnv({ ...base, KASPI_PROTOCOL: "checkpay" }).KASPI_PROTOCOL).toBe("checkpay");
  });
  it("sandbox: loopback may call, links go to the sandbox's Kaspi app", () => {
    const e = parseEnv({ ...base, KASPI_PROTOCOL: "checkpay" });
    expect(e.checkpayAllowedIps).toEqual([
      "127.0.0.1",
      "::1",
      "::ffff:127.0.0.1",
      "194.187.247.152",
      "194.187.245.108",
    ]);
    expect(e.checkpayPayLink).toBe("http://localhost:3000/sandbox/kaspi/pay/{paymentId}");
    // The Kaspi button by default, posting to the sandbox's stand-in; the checkout may post a form there.
    expect(e).toMatchObject({
      checkpayEntry: "online",
      kaspiOnlineUrl: "http://localhost:3000/sandbox/kaspi/online",
      checkoutFormAction: "http://localhost:3000/sandbox/kaspi/online",
    });
  });
  it("real, the Kaspi button: Kaspi's URL, no payment link needed; both published addresses, not the unconfirmed 197.x", () => {
    const e = parseEnv({ ...base, KASPI_PROTOCOL: "checkpay", KASPI_CHECKPAY_SERVICE_ID: "5001" });
    expect(e).toMatchObject({
      sandboxEnabled: false,
      checkpayEntry: "online",
      kaspiOnlineUrl: "https://kaspi.kz/online",
      checkoutFormAction: "https://kaspi.kz/online",
      checkpayAllowedIps: ["194.187.247.152", "194.187.245.108"],
    });
    expect(e.checkpayAllowedIps).not.toContain("197.187.244.108");
    const own = { ...base, KASPI_PROTOCOL: "checkpay", KASPI_CHECKPAY_SERVICE_ID: "5001" };
    expect(parseEnv({ ...own, KASPI_ONLINE_URL: "https://kaspi.kz/online/v2" }).kaspiOnlineUrl).toBe(
      "https://kaspi.kz/online/v2",
    );
    expect(message({ ...own, KASPI_ONLINE_URL: "http://kaspi.kz/online" })).toContain(
      "KASPI_ONLINE_URL: must be an https URL",
    );
    expect(message({ ...own, KASPI_CHECKPAY_ENTRY: "button" })).toContain("KASPI_CHECKPAY_ENTRY");
    // Other protocols add no form-action.
    expect(parseEnv({ ...base, KASPI_PROTOCOL: "ecom" }).checkoutFormAction).toBeUndefined();
    expect(
      parseEnv({ ...own, KASPI_CHECKPAY_ENTRY: "link", KASPI_CHECKPAY_PAY_LINK: "https://kaspi.kz/pay/x" })
        .checkoutFormAction,
    ).toBeUndefined();
  });
  it("real, the link: only Kaspi's published addresses by default, or exactly the configured list", () => {
    const real = {
      ...base,
      KASPI_PROTOCOL: "checkpay",
      KASPI_CHECKPAY_SERVICE_ID: "5001",
      KASPI_CHECKPAY_ENTRY: "link",
      KASPI_CHECKPAY_PAY_LINK: "https://kaspi.kz/pay/_gate?action=service_with_subservice&service_id=5001",
    };
    expect(parseEnv(real)).toMatchObject({
      sandboxEnabled: false,
      checkpayEntry: "link",
      checkpayAllowedIps: ["194.187.247.152", "194.187.245.108"],
    });
    expect(parseEnv({ ...real, KASPI_CHECKPAY_ALLOWED_IPS: "1.2.3.4, 10.0.0.0/8" }).checkpayAllowedIps).toEqual([
      "1.2.3.4",
      "10.0.0.0/8",
    ]);
  });
  it("docs/kaspi.md §6: with the link outside the sandbox KASPI_CHECKPAY_PAY_LINK is required, and replies are XML by default", () => {
    const m = message({
      ...base,
      KASPI_PROTOCOL: "checkpay",
      KASPI_CHECKPAY_SERVICE_ID: "5001",
      KASPI_CHECKPAY_ENTRY: "link",
    });
    expect(m).toContain("KASPI_CHECKPAY_PAY_LINK: is required with KASPI_CHECKPAY_ENTRY=link outside the sandbox");
    expect(m).toContain("kaspi.kz/pay/_gate?action=service_with_subservice&service_id=");
    expect(parseEnv({ ...base, KASPI_PROTOCOL: "checkpay" }).KASPI_CHECKPAY_FORMAT).toBe("xml");
  });
});

describe("first names of the check/pay settings", () => {
  const real = { ...base, KASPI_PROTOCOL: "checkpay" };
  it("are read when the new name is unset, each with a warning that names the new one", () => {
    const e = parseEnv({
      ...real,
      KASPI_GATEWAY_SERVICE_ID: "5001",
      KASPI_GATEWAY_PAY_LINK: "https://kaspi.kz/pay/x",
      KASPI_GATEWAY_FORMAT: "json",
      KASPI_GATEWAY_ALLOWED_IPS: "194.187.245.108",
      KASPI_GATEWAY_TRUSTED_PROXIES: "10.0.0.7",
    });
    expect(e).toMatchObject({
      checkpayServiceId: "5001",
      checkpayPayLink: "https://kaspi.kz/pay/x",
      KASPI_CHECKPAY_FORMAT: "json",
      checkpayAllowedIps: ["194.187.245.108"],
      trustedProxies: ["10.0.0.7"],
      sandboxEnabled: false,
    });
    expect(e.warnings).toEqual([
      "KASPI_GATEWAY_SERVICE_ID is a first name, read this time: rename it to KASPI_CHECKPAY_SERVICE_ID",
      "KASPI_GATEWAY_PAY_LINK is a first name, read this time: rename it to KASPI_CHECKPAY_PAY_LINK",
      "KASPI_GATEWAY_FORMAT is a first name, read this time: rename it to KASPI_CHECKPAY_FORMAT",
      "KASPI_GATEWAY_ALLOWED_IPS is a first name, read this time: rename it to KASPI_CHECKPAY_ALLOWED_IPS",
      "KASPI_GATEWAY_TRUSTED_PROXIES is a first name, read this time: rename it to TRUSTED_PROXIES",
    ]);
  });
  it("lose to the new name, with a warning; an error in a first name read names it", () => {
    const e = parseEnv({
      ...real,
      KASPI_CHECKPAY_SERVICE_ID: "6001",
      KASPI_GATEWAY_SERVICE_ID: "5001",
      KASPI_CHECKPAY_PAY_LINK: "https://kaspi.kz/pay/y",
    });
    expect(e.checkpayServiceId).toBe("6001");
    expect(e.warnings).toEqual([
      "KASPI_GATEWAY_SERVICE_ID is ignored: KASPI_CHECKPAY_SERVICE_ID is set (KASPI_GATEWAY_SERVICE_ID is its first name; remove it)",
    ]);
    expect(
      message({
        ...real,
        KASPI_GATEWAY_SERVICE_ID: "5001",
        KASPI_GATEWAY_FORMAT: "yaml",
        KASPI_GATEWAY_PAY_LINK: "https://kaspi.kz/pay/x",
      }),
    ).toContain("KASPI_CHECKPAY_FORMAT (read from KASPI_GATEWAY_FORMAT)");
  });
  it("none set: no warning", () => {
    expect(parseEnv(real).warnings).toEqual([]);
  });
});
