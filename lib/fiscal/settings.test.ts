import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "../env";
import { fiscalSettingsFrom, SANDBOX_WEBKASSA } from "./settings";

// FISCAL_PROVIDER and WEBKASSA_*: validated at start, naming the variable and never its value.

const real = {
  FISCAL_PROVIDER: "webkassa",
  WEBKASSA_BASE_URL: "https://devkkm.webkassa.kz/",
  WEBKASSA_API_KEY: "WKD-SECRET-API-KEY-0000",
  WEBKASSA_LOGIN: "cashier@shop.kz",
  WEBKASSA_PASSWORD: "p@ssw0rd-secret",
  WEBKASSA_CASHBOX_ID: "SWK00033717",
};
const live = { port: 3000, sandboxEnabled: false };

describe("fiscal settings", () => {
  it("none by default: nothing configured, nothing issued", () => {
    expect(fiscalSettingsFrom({}, live)).toEqual({ ok: true, value: null });
    expect(fiscalSettingsFrom({ ...real, FISCAL_PROVIDER: "none" }, live)).toEqual({ ok: true, value: null });
  });

  it("webkassa with the five values; the base URL without its trailing slash; defaults", () => {
    const parsed = fiscalSettingsFrom(real, live);
    expect(parsed).toEqual({
      ok: true,
      value: {
        provider: "webkassa",
        sandbox: false,
        baseUrl: "https://devkkm.webkassa.kz",
        apiKey: real.WEBKASSA_API_KEY,
        login: real.WEBKASSA_LOGIN,
        password: real.WEBKASSA_PASSWORD,
        cashboxId: "SWK00033717",
        paymentType: 4,
        timeoutMs: 15_000,
        shiftCloseAt: null,
        notifyWaitMs: 20_000,
        defaultVatRate: null,
      },
    });
  });

  it("without WEBKASSA_* only the Kaspi sandbox gets the built-in simulator", () => {
    const sandbox = fiscalSettingsFrom({ FISCAL_PROVIDER: "webkassa" }, { port: 3123, sandboxEnabled: true });
    expect(sandbox).toMatchObject({
      ok: true,
      value: {
        sandbox: true,
        baseUrl: "http://127.0.0.1:3123/sandbox/webkassa",
        cashboxId: SANDBOX_WEBKASSA.cashboxId,
      },
    });
    const parsed = fiscalSettingsFrom({ FISCAL_PROVIDER: "webkassa" }, live);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.lines).toHaveLength(5);
  });

  it.each([
    [{ WEBKASSA_PASSWORD: "" }, "WEBKASSA_PASSWORD: is required with FISCAL_PROVIDER=webkassa"],
    [{ WEBKASSA_BASE_URL: "http://kkm.webkassa.kz" }, "WEBKASSA_BASE_URL: must be https"],
    [{ WEBKASSA_BASE_URL: "https://kkm.webkassa.kz/api/v4" }, "WEBKASSA_BASE_URL: is the host base"],
    [{ WEBKASSA_BASE_URL: "not a url" }, "WEBKASSA_BASE_URL: must be a URL"],
    [{ WEBKASSA_CASHBOX_ID: "SWK 1" }, "WEBKASSA_CASHBOX_ID: must be the cash register's factory number"],
    [{ WEBKASSA_PAYMENT_TYPE: "0" }, "WEBKASSA_PAYMENT_TYPE: must be 4"],
    [{ FISCAL_SHIFT_CLOSE_AT: "24:00" }, "FISCAL_SHIFT_CLOSE_AT: must be a local time HH:MM"],
    [{ FISCAL_DEFAULT_VAT_RATE: "12" }, "FISCAL_DEFAULT_VAT_RATE: must be none"],
    [{ FISCAL_PROVIDER: "kofd" }, "FISCAL_PROVIDER"],
  ])("%o is refused with a message naming it", (change, message) => {
    const parsed = fiscalSettingsFrom({ ...real, ...change }, live);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.lines.join("\n")).toContain(message);
  });

  it("a simulator reached with its published key counts as the sandbox; a real key never does", () => {
    const simulator = fiscalSettingsFrom({ ...real, WEBKASSA_API_KEY: SANDBOX_WEBKASSA.apiKey }, live);
    expect(simulator).toMatchObject({ ok: true, value: { sandbox: true } });
    expect(fiscalSettingsFrom(real, live)).toMatchObject({ ok: true, value: { sandbox: false } });
  });

  it("plain http is allowed to a loopback address (tests)", () => {
    expect(fiscalSettingsFrom({ ...real, WEBKASSA_BASE_URL: "http://127.0.0.1:4000" }, live).ok).toBe(true);
  });

  it("parseEnv stops the app naming the variable, never the secret values", () => {
    const base = { BITRIX_SHARED_SECRET: "s".repeat(20), KASPI_SANDBOX: "on", KASPI_PROTOCOL: "ecom" };
    let message = "";
    try {
      parseEnv({ ...base, ...real, WEBKASSA_BASE_URL: "http://kkm.webkassa.kz" });
    } catch (e) {
      expect(e).toBeInstanceOf(EnvError);
      message = (e as Error).message;
    }
    expect(message).toContain("WEBKASSA_BASE_URL");
    expect(message).not.toContain(real.WEBKASSA_PASSWORD);
    expect(message).not.toContain(real.WEBKASSA_API_KEY);
    expect(parseEnv({ ...base, ...real }).fiscal).toMatchObject({ provider: "webkassa", cashboxId: "SWK00033717" });
    expect(parseEnv(base).fiscal).toBeNull();
  });
});
