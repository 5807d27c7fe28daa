import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "./env";

const SECRET = "env-test-secret-DO-NOT-LEAK-42";
const base = { BITRIX_SHARED_SECRET: SECRET };

function errorOf(source: Record<string, string | undefined>): EnvError {
  try {
    parseEnv(source);
  } catch (e) {
    if (e instanceof EnvError) return e;
    throw e;
  }
  throw new Error("parseEnv did not throw");
}

describe("parseEnv", () => {
  it("applies defaults", () => {
    const e = parseEnv(base);
    expect(e).toMatchObject({
      NODE_ENV: "development",
      PORT: 3000,
      DATABASE_URL: "file:./data/checkout.db",
      KASPI_PROTOCOL: "ecom",
      ORDER_MIN_AMOUNT: 100,
      ORDER_MAX_AMOUNT: 5_000_000,
      SIGNATURE_TOLERANCE_SECONDS: 300,
      appUrl: "http://localhost:3000",
      bitrixOrigins: [],
      sandboxEnabled: true,
      kaspiBaseUrl: "http://127.0.0.1:3000/sandbox/kaspi/",
    });
  });

  it("derives URLs and origins", () => {
    const e = parseEnv({
      ...base,
      APP_URL: "https://pay.example.kz///",
      BITRIX_ORIGINS: " https://shop.example.kz , http://localhost:8080 ,",
      KASPI_PROTOCOL: "ecom",
      KASPI_TOKEN: "tok",
    });
    expect(e.appUrl).toBe("https://pay.example.kz");
    expect(e.bitrixOrigins).toEqual(["https://shop.example.kz", "http://localhost:8080"]);
    expect(e.sandboxEnabled).toBe(false);
    expect(e.kaspiBaseUrl).toBe("https://api.kaspi.kz/payment/");
  });

  it("takes PostgreSQL URLs and their pool settings", () => {
    const e = parseEnv({ ...base, DATABASE_URL: "postgresql://app@db:5432/checkout", DATABASE_POOL_SIZE: "4" });
    expect(e).toMatchObject({ DATABASE_URL: "postgresql://app@db:5432/checkout", DATABASE_POOL_SIZE: 4 });
    expect(parseEnv(base)).toMatchObject({ DATABASE_POOL_SIZE: 10, DATABASE_STATEMENT_TIMEOUT_MS: 15_000 });
  });

  it("treats empty strings as unset", () => {
    expect(parseEnv({ ...base, PORT: "", APP_URL: " " }).PORT).toBe(3000);
  });

  it.each<[string, Record<string, string | undefined>, string]>([
    ["missing secret", {}, "BITRIX_SHARED_SECRET"],
    ["short secret", { BITRIX_SHARED_SECRET: "short-secret" }, "BITRIX_SHARED_SECRET"],
    ["bad port", { ...base, PORT: "70000" }, "PORT"],
    ["non-numeric port", { ...base, PORT: "http" }, "PORT"],
    ["bad APP_URL", { ...base, APP_URL: "not a url" }, "APP_URL"],
    ["bad protocol", { ...base, KASPI_PROTOCOL: "soap" }, "KASPI_PROTOCOL"],
    ["min above max", { ...base, ORDER_MIN_AMOUNT: "1000", ORDER_MAX_AMOUNT: "10" }, "ORDER_MIN_AMOUNT"],
    ["sandbox off without token", { ...base, KASPI_SANDBOX: "off" }, "KASPI_TOKEN"],
    ["unknown database", { ...base, DATABASE_URL: "mysql://db/checkout" }, "DATABASE_URL"],
    ["pool of zero", { ...base, DATABASE_POOL_SIZE: "0" }, "DATABASE_POOL_SIZE"],
    ["bad origin", { ...base, BITRIX_ORIGINS: "https://shop.example.kz/path" }, "BITRIX_ORIGINS"],
    ["tolerance too large", { ...base, SIGNATURE_TOLERANCE_SECONDS: "86400" }, "SIGNATURE_TOLERANCE_SECONDS"],
  ])("%s names %s", (_name, source, variable) => {
    expect(errorOf(source).message).toContain(variable);
  });

  it.each<[string, Record<string, string | undefined>]>([
    ["a too-short secret", { BITRIX_SHARED_SECRET: "tooshort" }],
    ["another variable", { ...base, PORT: "-1" }],
    ["a bad URL", { ...base, BITRIX_NOTIFY_URL: "ftp//nope" }],
    ["a bad origin", { ...base, BITRIX_ORIGINS: "nope" }],
  ])("never shows the secret for %s", (_name, source) => {
    const message = errorOf(source).message;
    expect(message).not.toContain(source.BITRIX_SHARED_SECRET ?? "\u0000");
  });

  it("never shows the Kaspi token either", () => {
    const token = "kaspi-token-SUPER-SECRET";
    const message = errorOf({ ...base, KASPI_TOKEN: token, KASPI_BASE_URL: "nope" }).message;
    expect(message).toContain("KASPI_BASE_URL");
    expect(message).not.toContain(token);
    expect(message).not.toContain(SECRET);
  });
});
