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
