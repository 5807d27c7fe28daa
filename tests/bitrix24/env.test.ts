import { describe, expect, it } from "vitest";
import { parseEnv } from "@/lib/env";

// The connector settings: Bitrix24 needs its webhook, and the webhook must look like one.

const base = { BITRIX_SHARED_SECRET: "env-test-secret-0123456789" };

describe("BITRIX_CONNECTOR / BITRIX24_WEBHOOK_URL", () => {
  it("defaults to the on-premise connector", () => {
    expect(parseEnv(base).BITRIX_CONNECTOR).toBe("onpremise");
  });

  it("accepts bitrix24 with an inbound webhook URL", () => {
    const e = parseEnv({
      ...base,
      BITRIX_CONNECTOR: "bitrix24",
      BITRIX24_WEBHOOK_URL: "https://shop.bitrix24.kz/rest/1/abc123/",
    });
    expect(e.BITRIX24_WEBHOOK_URL).toBe("https://shop.bitrix24.kz/rest/1/abc123/");
  });

  it.each([
    [{ BITRIX_CONNECTOR: "bitrix24" }, /BITRIX24_WEBHOOK_URL: is required when BITRIX_CONNECTOR=bitrix24/],
    [
      { BITRIX_CONNECTOR: "bitrix24", BITRIX24_WEBHOOK_URL: "https://shop.bitrix24.kz/" },
      /BITRIX24_WEBHOOK_URL: must be an inbound webhook/,
    ],
    [{ BITRIX_CONNECTOR: "cloud" }, /BITRIX_CONNECTOR/],
  ])("refuses %o", (over, message) => {
    expect(() => parseEnv({ ...base, ...over })).toThrow(message);
  });
});

describe("BITRIX24_REST_BUDGET_PAYMENT / BITRIX24_REST_BUDGET_STORE", () => {
  it("default to 6 REST calls a minute per payment and 60 per store", () => {
    const e = parseEnv(base);
    expect([e.BITRIX24_REST_BUDGET_PAYMENT, e.BITRIX24_REST_BUDGET_STORE]).toEqual([6, 60]);
  });

  it("accept 0 (off) and larger budgets", () => {
    const e = parseEnv({ ...base, BITRIX24_REST_BUDGET_PAYMENT: "0", BITRIX24_REST_BUDGET_STORE: "240" });
    expect([e.BITRIX24_REST_BUDGET_PAYMENT, e.BITRIX24_REST_BUDGET_STORE]).toEqual([0, 240]);
  });

  it.each([
    [{ BITRIX24_REST_BUDGET_PAYMENT: "1" }, /BITRIX24_REST_BUDGET_PAYMENT: must be 0 \(off\) or at least 2/],
    [{ BITRIX24_REST_BUDGET_STORE: "-5" }, /BITRIX24_REST_BUDGET_STORE/],
    [{ BITRIX24_REST_BUDGET_STORE: "ten" }, /BITRIX24_REST_BUDGET_STORE/],
  ])("refuses %o", (over, message) => {
    expect(() => parseEnv({ ...base, ...over })).toThrow(message);
  });
});

describe("BITRIX24_CLIENT_ID / BITRIX24_CLIENT_SECRET / BITRIX24_OAUTH_URL / STORE_SECRETS_KEY", () => {
  const key = "0123456789abcdef".repeat(4);
  const previous = "fedcba9876543210".repeat(4);
  const app = { BITRIX24_CLIENT_ID: "local.abc123", BITRIX24_CLIENT_SECRET: "s3cr3t-client", STORE_SECRETS_KEY: key };

  it("no OAuth app and no keyring by default; the token URL defaults to Bitrix's authorization server", () => {
    const e = parseEnv(base);
    expect(e.bitrix24App).toBeNull();
    expect(e.storeSecrets).toBeNull();
    expect(e.BITRIX24_OAUTH_URL).toBe("https://oauth.bitrix.info/oauth/token/");
  });

  it("with the client id, secret and key: the app (its app.info host from the token URL) and the keyring", () => {
    const e = parseEnv({ ...base, ...app, STORE_SECRETS_KEY_PREVIOUS: previous });
    expect(e.bitrix24App).toEqual({
      clientId: "local.abc123",
      clientSecret: "s3cr3t-client",
      oauthUrl: "https://oauth.bitrix.info/oauth/token/",
      oauthServer: "https://oauth.bitrix.info",
    });
    expect(e.storeSecrets?.current.key.toString("hex")).toBe(key);
    expect(e.storeSecrets?.previous).toHaveLength(1);
    expect(
      parseEnv({ ...base, ...app, BITRIX24_OAUTH_URL: "http://127.0.0.1:9/oauth/token/" }).bitrix24App?.oauthServer,
    ).toBe("http://127.0.0.1:9");
  });

  it.each([
    [
      { BITRIX24_CLIENT_ID: "local.abc123", STORE_SECRETS_KEY: key },
      /BITRIX24_CLIENT_SECRET: is required with the other one/,
    ],
    [
      { BITRIX24_CLIENT_SECRET: "s3cr3t-client", STORE_SECRETS_KEY: key },
      /BITRIX24_CLIENT_ID: is required with the other one/,
    ],
    [{ ...app, STORE_SECRETS_KEY: "" }, /STORE_SECRETS_KEY: is required with BITRIX24_CLIENT_ID/],
    [
      { ...app, BITRIX24_OAUTH_URL: "http://oauth.example.kz/oauth/token/" },
      /BITRIX24_OAUTH_URL: must be an https URL/,
    ],
    [{ ...app, STORE_SECRETS_KEY: "short" }, /STORE_SECRETS_KEY/],
    [{ STORE_SECRETS_KEY_PREVIOUS: previous }, /STORE_SECRETS_KEY: is not set/],
  ])("refuses %o", (over, message) => {
    expect(() => parseEnv({ ...base, ...over })).toThrow(message);
  });

  it("never puts a key or the client secret in its error message", () => {
    const badKey = "zz" + "a".repeat(62);
    let message = "";
    try {
      parseEnv({ ...base, ...app, STORE_SECRETS_KEY: badKey, BITRIX24_OAUTH_URL: "http://oauth.example.kz/" });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/STORE_SECRETS_KEY|BITRIX24_OAUTH_URL/);
    expect(message).not.toContain(badKey);
    expect(message).not.toContain("s3cr3t-client");
  });
});
