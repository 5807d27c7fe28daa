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
