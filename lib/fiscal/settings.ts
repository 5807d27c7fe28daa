import { z } from "zod";
import type { VatRate } from "../payments/order-items";

// The fiscal receipt settings (docs/fiscal.md), validated at start with the rest of the
// environment: lib/env.ts hands the raw variables here and stops the app with these messages, which
// name the variable and never its value (the API key and the password are secrets).
//
// FISCAL_PROVIDER=none (the default) issues nothing and calls nothing. With webkassa the app needs
// the five WEBKASSA_* values Webkassa gives a merchant: the host, the API key (sent as x-api-key,
// docs/fiscal.md §1), the cashier's login and password (Authorize), and the cash register's factory
// number (CashboxUniqueNumber, e.g. SWK00033717). Without any of them, and only while the Kaspi
// sandbox runs, the built-in Webkassa simulator at /sandbox/webkassa answers instead.

export type FiscalSettings = {
  provider: "webkassa";
  /**
   * A Webkassa simulator (the built-in one, or one reached with its published key): receipts are
   * not real, and the Kaspi sandbox's payments get them. A real Webkassa never issues a receipt for
   * sandbox money (lib/fiscal/enqueue-receipt.ts).
   */
  sandbox: boolean;
  /** The host base; /api/v4/… is appended (never ends with a slash). */
  baseUrl: string;
  apiKey: string;
  login: string;
  password: string;
  cashboxId: string;
  /** Webkassa's PaymentType of a Kaspi payment: 4 "mobile payment" (default) or 1 "bank card". */
  paymentType: 1 | 4;
  timeoutMs: number;
  /** Local (Almaty) time of the daily Z report, "HH:MM", or null for none. */
  shiftCloseAt: string | null;
  /** How long a payment.paid / payment.refunded notification waits for its receipt's link. */
  notifyWaitMs: number;
  /** The VAT rate of lines whose rate Bitrix does not give (the one line of an old client, Bitrix24's delivery). */
  defaultVatRate: VatRate;
};

/** The built-in simulator's credentials: any deployment can see them, so they open nothing real. */
export const SANDBOX_WEBKASSA = {
  apiKey: "sandbox-webkassa-api-key",
  login: "cashier@sandbox.webkassa.test",
  password: "sandbox-password",
  cashboxId: "SWK00000001",
} as const;

const emptyToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const optional = z.preprocess(emptyToUndefined, z.string().optional());
const intFrom = (def: number) => z.preprocess(emptyToUndefined, z.coerce.number().int().default(def));

const schema = z.object({
  FISCAL_PROVIDER: z.preprocess(emptyToUndefined, z.enum(["none", "webkassa"]).default("none")),
  WEBKASSA_BASE_URL: z.preprocess(
    emptyToUndefined,
    z.url({ error: "must be a URL like https://kkm.webkassa.kz" }).optional(),
  ),
  WEBKASSA_API_KEY: optional,
  WEBKASSA_LOGIN: optional,
  WEBKASSA_PASSWORD: optional,
  WEBKASSA_CASHBOX_ID: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9-]{1,50}$/, "must be the cash register's factory number (ЗНК), e.g. SWK00033717")
      .optional(),
  ),
  WEBKASSA_PAYMENT_TYPE: z.preprocess(
    emptyToUndefined,
    z.enum(["4", "1"], { error: "must be 4 (mobile payment, the default) or 1 (bank card)" }).default("4"),
  ),
  WEBKASSA_TIMEOUT_MS: intFrom(15_000).pipe(z.number().min(1_000).max(120_000)),
  FISCAL_SHIFT_CLOSE_AT: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a local time HH:MM, e.g. 23:55")
      .optional(),
  ),
  FISCAL_NOTIFY_WAIT_SECONDS: intFrom(20).pipe(z.number().min(0).max(120)),
  FISCAL_DEFAULT_VAT_RATE: z.preprocess(
    emptyToUndefined,
    z.enum(["none", "0", "16"], { error: "must be none (not a VAT payer), 0 or 16" }).default("none"),
  ),
});

const CREDENTIALS = [
  "WEBKASSA_BASE_URL",
  "WEBKASSA_API_KEY",
  "WEBKASSA_LOGIN",
  "WEBKASSA_PASSWORD",
  "WEBKASSA_CASHBOX_ID",
] as const;

function isLoopback(url: URL): boolean {
  const host = url.hostname.toLowerCase();
  return host === "localhost" || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host);
}

export type FiscalParse = { ok: true; value: FiscalSettings | null } | { ok: false; lines: string[] };

export function fiscalSettingsFrom(
  source: Record<string, string | undefined>,
  context: { port: number; sandboxEnabled: boolean },
): FiscalParse {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    return { ok: false, lines: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) };
  }
  const v = parsed.data;
  if (v.FISCAL_PROVIDER === "none") return { ok: true, value: null };
  const set = CREDENTIALS.filter((name) => v[name] !== undefined);
  const common = {
    provider: "webkassa" as const,
    paymentType: Number(v.WEBKASSA_PAYMENT_TYPE) as 1 | 4,
    timeoutMs: v.WEBKASSA_TIMEOUT_MS,
    shiftCloseAt: v.FISCAL_SHIFT_CLOSE_AT ?? null,
    notifyWaitMs: v.FISCAL_NOTIFY_WAIT_SECONDS * 1000,
    defaultVatRate: v.FISCAL_DEFAULT_VAT_RATE === "none" ? null : (Number(v.FISCAL_DEFAULT_VAT_RATE) as 0 | 16),
  };
  if (set.length === 0 && context.sandboxEnabled) {
    return {
      ok: true,
      value: {
        ...common,
        sandbox: true,
        baseUrl: `http://127.0.0.1:${context.port}/sandbox/webkassa`,
        ...SANDBOX_WEBKASSA,
      },
    };
  }
  const lines = CREDENTIALS.filter((name) => v[name] === undefined).map(
    (name) =>
      `${name}: is required with FISCAL_PROVIDER=webkassa${set.length === 0 ? " (the built-in simulator runs only with the Kaspi sandbox)" : ""}`,
  );
  if (v.WEBKASSA_BASE_URL) {
    const url = new URL(v.WEBKASSA_BASE_URL);
    if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url))) {
      lines.push("WEBKASSA_BASE_URL: must be https (plain http only to a loopback address, for tests)");
    }
    if (/\/api(-history|-portal)?(\/v\d+)?\/?$/i.test(url.pathname) || url.search || url.hash) {
      lines.push("WEBKASSA_BASE_URL: is the host base, e.g. https://kkm.webkassa.kz (the app appends /api/v4/…)");
    }
  }
  if (lines.length) return { ok: false, lines };
  return {
    ok: true,
    value: {
      ...common,
      sandbox: v.WEBKASSA_API_KEY === SANDBOX_WEBKASSA.apiKey,
      baseUrl: (v.WEBKASSA_BASE_URL ?? "").replace(/\/+$/, ""),
      apiKey: v.WEBKASSA_API_KEY ?? "",
      login: v.WEBKASSA_LOGIN ?? "",
      password: v.WEBKASSA_PASSWORD ?? "",
      cashboxId: v.WEBKASSA_CASHBOX_ID ?? "",
    },
  };
}
