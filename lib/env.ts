import { z } from "zod";
import { fiscalSettingsFrom, type FiscalSettings } from "./fiscal/settings";
import { type AddressList, AddressListError, addressList, splitList } from "./http/ip-list";
import { fromEnvironment, SecretKeyError, type SecretKeyring } from "./stores/secrets";

// The only module that reads process.env. Every setting is validated once; a bad value stops the
// app with a message that names the variable, never its value (some of them are secrets).

const emptyToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const optionalUrl = z.preprocess(emptyToUndefined, z.url().optional());
const intFrom = (def: number) => z.preprocess(emptyToUndefined, z.coerce.number().int().default(def));

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: intFrom(3000).pipe(z.number().min(1).max(65535)),
    APP_URL: optionalUrl,
    DATABASE_URL: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .default("file:./data/checkout.db")
        .refine((u) => /^(file:|postgres(ql)?:\/\/)/.test(u), "must start with file: (SQLite) or postgresql://"),
    ),
    // PostgreSQL only (see docs/operations.md): connections per instance, and how long one
    // statement, a wait for a free connection and a transaction may take.
    DATABASE_POOL_SIZE: intFrom(10).pipe(z.number().min(1).max(200)),
    DATABASE_STATEMENT_TIMEOUT_MS: intFrom(15_000).pipe(z.number().min(0).max(600_000)),
    DATABASE_CONNECT_TIMEOUT_MS: intFrom(5_000).pipe(z.number().min(100).max(120_000)),
    DATABASE_TRANSACTION_TIMEOUT_MS: intFrom(30_000).pipe(z.number().min(1_000).max(600_000)),
    BITRIX_SHARED_SECRET: z.preprocess(
      emptyToUndefined,
      z
        .string({ error: "is required: the secret shared with the Bitrix payment handler" })
        .min(16, "must be at least 16 characters"),
    ),
    BITRIX_NOTIFY_URL: optionalUrl,
    BITRIX_ORIGINS: z.preprocess(emptyToUndefined, z.string().default("")),
    // Which Bitrix the app serves: the on-premise sale module (signed notifications to
    // BITRIX_NOTIFY_URL) or a Bitrix24 portal (REST calls on its inbound webhook).
    BITRIX_CONNECTOR: z.preprocess(emptyToUndefined, z.enum(["onpremise", "bitrix24"]).default("onpremise")),
    BITRIX24_WEBHOOK_URL: optionalUrl,
    // REST calls a minute the Bitrix24 checkout (whose key is public) may make on the webhook, per
    // payment and per store (per instance); 0 turns one off. One confirmation is two calls.
    BITRIX24_REST_BUDGET_PAYMENT: intFrom(6).pipe(
      z
        .number()
        .refine((n) => n === 0 || n >= 2, "must be 0 (off) or at least 2 (one confirmation makes 2 REST calls)"),
    ),
    BITRIX24_REST_BUDGET_STORE: intFrom(60).pipe(
      z
        .number()
        .refine((n) => n === 0 || n >= 2, "must be 0 (off) or at least 2 (one confirmation makes 2 REST calls)"),
    ),
    // Bitrix24 as an OAuth app (Marketplace or local app, docs/bitrix.md): the app's client id and
    // secret, and the authorization server's token URL (b24restdocs settings/oauth/index.md).
    BITRIX24_CLIENT_ID: optionalString,
    BITRIX24_CLIENT_SECRET: optionalString,
    BITRIX24_OAUTH_URL: z.preprocess(emptyToUndefined, z.url().default("https://oauth.bitrix.info/oauth/token/")),
    // Encryption of the stores' credentials at rest (lib/stores/secrets.ts): 32 bytes as 64 hex
    // characters or base64; previous keys (comma-separated) only decrypt, during a rotation.
    STORE_SECRETS_KEY: optionalString,
    STORE_SECRETS_KEY_PREVIOUS: optionalString,
    // One name per contract (`gateway`, checkpay's first name, is refused with a pointer to it).
    KASPI_PROTOCOL: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .refine((p) => p !== "gateway", "`gateway` is now called `checkpay`: set KASPI_PROTOCOL=checkpay")
        .pipe(z.enum(["ecom", "qr", "checkpay"]))
        .default("ecom"),
    ),
    KASPI_BASE_URL: optionalUrl,
    KASPI_TOKEN: optionalString,
    KASPI_ECOM_PRESENTATION: z.preprocess(emptyToUndefined, z.enum(["link", "qr-image"]).default("link")),
    KASPI_TIMEOUT_MS: intFrom(10_000).pipe(z.number().min(100).max(120_000)),
    KASPI_SANDBOX: z.preprocess(emptyToUndefined, z.enum(["auto", "on", "off"]).default("auto")),
    // Kaspi QR merchant API (KASPI_PROTOCOL=qr).
    KASPI_QR_SCHEME: z.preprocess(emptyToUndefined, z.enum(["r1", "r2", "r3"]).default("r1")),
    KASPI_QR_BASE_URL: optionalUrl,
    KASPI_QR_API_KEY: optionalString,
    KASPI_QR_CERT_FILE: optionalString,
    KASPI_QR_KEY_FILE: optionalString,
    KASPI_QR_PFX_FILE: optionalString,
    KASPI_QR_CERT_PASSPHRASE: optionalString,
    KASPI_QR_CA_FILE: optionalString,
    KASPI_QR_ORGANIZATION_BIN: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^\d{12}$/, "must be the 12-digit BIN")
        .optional(),
    ),
    KASPI_QR_DEVICE_TOKEN: optionalString,
    KASPI_QR_POLL_INTERVAL_MS: intFrom(5000).pipe(z.number().min(500).max(60_000)),
    // payment/status version: v01 is Kaspi's v3.9 document (Status only); v02 is seen in public code.
    KASPI_QR_STATUS_VERSION: z.preprocess(emptyToUndefined, z.enum(["v01", "v02"]).default("v01")),
    // Kaspi check/pay provider protocol (KASPI_PROTOCOL=checkpay). The KASPI_GATEWAY_* first names
    // are read with a warning (FIRST_NAMES below).
    KASPI_CHECKPAY_SERVICE_ID: optionalString,
    KASPI_CHECKPAY_PAY_LINK: optionalString,
    // The addresses Kaspi calls check/pay from, parsed at start (a typo must not open check/pay).
    KASPI_CHECKPAY_ALLOWED_IPS: optionalString,
    // Reverse proxies whose X-Forwarded-For is believed (CIDR list). Empty: the client address is
    // the TCP peer.
    TRUSTED_PROXIES: optionalString,
    // Lets a monitor read /api/health's figures without a merchant session (Bearer token).
    HEALTH_TOKEN: z.preprocess(emptyToUndefined, z.string().min(16, "must be at least 16 characters").optional()),
    KASPI_CHECKPAY_FORMAT: z.preprocess(emptyToUndefined, z.enum(["json", "xml"]).default("xml")),
    // How the shopper reaches the Service: "online" POSTs the order to KASPI_ONLINE_URL (the Kaspi
    // button: a link into the Kaspi app and a QR); "link" shows the service's payment link.
    KASPI_CHECKPAY_ENTRY: z.preprocess(emptyToUndefined, z.enum(["online", "link"]).default("online")),
    KASPI_ONLINE_URL: optionalUrl,
    MERCHANT_NAME: z.preprocess(emptyToUndefined, z.string().max(100).default("Demo store")),
    ORDER_MIN_AMOUNT: intFrom(100).pipe(z.number().min(1)),
    ORDER_MAX_AMOUNT: intFrom(5_000_000).pipe(z.number().min(1)),
    PAYMENT_TTL_SECONDS: intFrom(900).pipe(z.number().min(30).max(86_400)),
    SIGNATURE_TOLERANCE_SECONDS: intFrom(300).pipe(z.number().min(1).max(3600)),
    // Requests per minute per client address; 0 turns a limit off.
    RATE_LIMIT_INTAKE: intFrom(600).pipe(z.number().min(0)),
    RATE_LIMIT_CHECKOUT: intFrom(300).pipe(z.number().min(0)),
    RATE_LIMIT_CALLBACK: intFrom(600).pipe(z.number().min(0)),
    // Per checkout token, not per address: many shoppers share one carrier address (CGNAT).
    RATE_LIMIT_STATUS: intFrom(120).pipe(z.number().min(0)),
    RATE_LIMIT_LOGIN: intFrom(30).pipe(z.number().min(0)),
    RATE_LIMIT_BITRIX24: intFrom(120).pipe(z.number().min(0)),
    RATE_LIMIT_SANDBOX: intFrom(600).pipe(z.number().min(0)),
    // Open status streams (/api/checkout/{token}/events) at once: per checkout token, per client
    // address and on this instance (docs/security.md). Past the first two: 429; past the ceiling: 503.
    STREAMS_PER_TOKEN: intFrom(3).pipe(z.number().min(1).max(100)),
    STREAMS_PER_ADDRESS: intFrom(100).pipe(z.number().min(1).max(100_000)),
    STREAMS_PER_INSTANCE: intFrom(2_000).pipe(z.number().min(1).max(1_000_000)),
    // Kaspi QR r3 phone → account holder's name look-ups (remote/client-info, docs/security.md):
    // per checkout token in 24 h (counted in the database) and per client address in an hour (per
    // instance), besides Kaspi's 50 a minute per device. Never off: at least 1.
    REMOTE_LOOKUPS_PER_TOKEN: intFrom(3).pipe(z.number().min(1).max(50)),
    REMOTE_LOOKUPS_PER_ADDRESS: intFrom(20).pipe(z.number().min(1).max(10_000)),
    LOG_LEVEL: z.preprocess(
      emptyToUndefined,
      z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    ),
    WORKER_INTERVAL_MS: intFrom(1000).pipe(z.number().min(50).max(60_000)),
    WORKER_ENABLED: z.preprocess(emptyToUndefined, z.enum(["true", "false"]).default("true")),
  })
  .superRefine((v, ctx) => {
    if (v.ORDER_MIN_AMOUNT > v.ORDER_MAX_AMOUNT) {
      ctx.addIssue({ code: "custom", path: ["ORDER_MIN_AMOUNT"], message: "must not exceed ORDER_MAX_AMOUNT" });
    }
    if (v.BITRIX_CONNECTOR === "bitrix24" && !v.BITRIX24_WEBHOOK_URL) {
      ctx.addIssue({
        code: "custom",
        path: ["BITRIX24_WEBHOOK_URL"],
        message: "is required when BITRIX_CONNECTOR=bitrix24",
      });
    }
    if (v.BITRIX24_WEBHOOK_URL && !/^https?:\/\/[^/]+\/rest\/\d+\/[^/]+\/?$/.test(v.BITRIX24_WEBHOOK_URL)) {
      ctx.addIssue({
        code: "custom",
        path: ["BITRIX24_WEBHOOK_URL"],
        message: "must be an inbound webhook URL like https://<portal>/rest/<user>/<code>/",
      });
    }
    if (Boolean(v.BITRIX24_CLIENT_ID) !== Boolean(v.BITRIX24_CLIENT_SECRET)) {
      const missing = v.BITRIX24_CLIENT_ID ? "BITRIX24_CLIENT_SECRET" : "BITRIX24_CLIENT_ID";
      ctx.addIssue({
        code: "custom",
        path: [missing],
        message: "is required with the other one: the Bitrix24 app's client id and secret go together",
      });
    }
    if (v.BITRIX24_CLIENT_ID && !v.STORE_SECRETS_KEY) {
      ctx.addIssue({
        code: "custom",
        path: ["STORE_SECRETS_KEY"],
        message:
          "is required with BITRIX24_CLIENT_ID: the portals' tokens are stored encrypted with it (e.g. `openssl rand -hex 32`)",
      });
    }
    // The refresh grant carries the client secret (settings/oauth/auto-renewal.md): https only.
    if (!v.BITRIX24_OAUTH_URL.startsWith("https://") && !isLoopbackUrl(v.BITRIX24_OAUTH_URL)) {
      ctx.addIssue({
        code: "custom",
        path: ["BITRIX24_OAUTH_URL"],
        message: "must be an https URL, e.g. https://oauth.bitrix.info/oauth/token/",
      });
    }
    if (v.KASPI_SANDBOX === "off" && !hasKaspiCredentials(v)) {
      ctx.addIssue({
        code: "custom",
        path: [credentialName(v.KASPI_PROTOCOL)],
        message: "is required when KASPI_SANDBOX=off",
      });
    }
    // Fail closed: a public deployment with a missing or misspelt credential must not quietly run
    // the simulator, where any shopper can "pay" with a button. Only an explicit "on" allows it.
    if (v.KASPI_SANDBOX === "auto" && !hasKaspiCredentials(v) && !isLoopbackUrl(v.APP_URL ?? "http://localhost")) {
      const missing = credentialName(v.KASPI_PROTOCOL);
      ctx.addIssue({
        code: "custom",
        path: ["KASPI_SANDBOX"],
        message:
          `APP_URL is not a loopback address and ${missing} is not set: refusing to run the Kaspi sandbox ` +
          `on a public address. Set ${missing} for real Kaspi, or KASPI_SANDBOX=on to run the sandbox there on purpose.`,
      });
    }
    if (v.KASPI_PROTOCOL === "qr" && hasKaspiCredentials(v)) {
      if (v.KASPI_QR_SCHEME === "r1" && !v.KASPI_QR_API_KEY) {
        ctx.addIssue({ code: "custom", path: ["KASPI_QR_API_KEY"], message: "is required with KASPI_QR_SCHEME=r1" });
      }
      if (v.KASPI_QR_SCHEME !== "r1" && !v.KASPI_QR_PFX_FILE && !(v.KASPI_QR_CERT_FILE && v.KASPI_QR_KEY_FILE)) {
        ctx.addIssue({
          code: "custom",
          path: ["KASPI_QR_CERT_FILE"],
          message: `KASPI_QR_CERT_FILE and KASPI_QR_KEY_FILE (or KASPI_QR_PFX_FILE) are required with KASPI_QR_SCHEME=${v.KASPI_QR_SCHEME}`,
        });
      }
      // Kaspi sends the production host with the certificate (docs/kaspi.md §1): nothing to default to.
      if (!v.KASPI_QR_BASE_URL) {
        ctx.addIssue({
          code: "custom",
          path: ["KASPI_QR_BASE_URL"],
          message: `is required outside the sandbox: the host Kaspi sent with your certificate, e.g. https://<host>:${QR_PORTS[v.KASPI_QR_SCHEME]}/${v.KASPI_QR_SCHEME}/v01/`,
        });
      }
    }
    // r3 sends OrganizationBin with every call (docs/kaspi.md §1); the sandbox refuses calls without
    // it as Kaspi would, so it is required there too rather than failing every payment later.
    if (v.KASPI_PROTOCOL === "qr" && v.KASPI_QR_SCHEME === "r3" && !v.KASPI_QR_ORGANIZATION_BIN) {
      ctx.addIssue({
        code: "custom",
        path: ["KASPI_QR_ORGANIZATION_BIN"],
        message: "is required with KASPI_QR_SCHEME=r3 (also in the sandbox: any 12 digits there)",
      });
    }
    // The Kaspi button carries the order to Kaspi: over https only (plain http only on loopback, for tests).
    if (v.KASPI_ONLINE_URL && !v.KASPI_ONLINE_URL.startsWith("https://") && !isLoopbackUrl(v.KASPI_ONLINE_URL)) {
      ctx.addIssue({
        code: "custom",
        path: ["KASPI_ONLINE_URL"],
        message: "must be an https URL, e.g. https://kaspi.kz/online",
      });
    }
    // No public Kaspi document gives the payment link: it is the one Kaspi gave you (docs/kaspi.md §6).
    if (
      v.KASPI_PROTOCOL === "checkpay" &&
      v.KASPI_CHECKPAY_ENTRY === "link" &&
      hasKaspiCredentials(v) &&
      !v.KASPI_CHECKPAY_PAY_LINK
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["KASPI_CHECKPAY_PAY_LINK"],
        message:
          "is required with KASPI_CHECKPAY_ENTRY=link outside the sandbox: your service's Kaspi link, e.g. https://kaspi.kz/pay/_gate?action=service_with_subservice&service_id={service_id}",
      });
    }
  });

type RawEnv = z.infer<typeof schema>;

/** Whether real Kaspi is configured for the chosen protocol (otherwise "auto" means the sandbox). */
function hasKaspiCredentials(
  v: Pick<RawEnv, "KASPI_PROTOCOL" | "KASPI_TOKEN" | "KASPI_QR_DEVICE_TOKEN" | "KASPI_CHECKPAY_SERVICE_ID">,
): boolean {
  switch (v.KASPI_PROTOCOL) {
    case "ecom":
      return Boolean(v.KASPI_TOKEN);
    case "qr":
      return Boolean(v.KASPI_QR_DEVICE_TOKEN);
    case "checkpay":
      return Boolean(v.KASPI_CHECKPAY_SERVICE_ID);
  }
}

function credentialName(protocol: RawEnv["KASPI_PROTOCOL"]): string {
  return { ecom: "KASPI_TOKEN", qr: "KASPI_QR_DEVICE_TOKEN", checkpay: "KASPI_CHECKPAY_SERVICE_ID" }[protocol];
}

/** localhost, 127.0.0.0/8 or [::1]: a machine only its own user can reach. */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return host === "localhost" || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * The addresses Kaspi calls check/pay from, as public integrations list them (docs/kaspi.md):
 * 194.187.247.152 in many, 194.187.245.108 in two. The same two list 197.187.244.108, probably a
 * typo for 194.x: unconfirmed, so not allowed by default. Confirm the list on your contract.
 */
export const KASPI_CHECKPAY_DEFAULT_IPS = "194.187.247.152,194.187.245.108";

/** Where the Kaspi button posts the order (docs/kaspi.md, "The Kaspi button"). */
export const KASPI_ONLINE_DEFAULT_URL = "https://kaspi.kz/online";
const LOOPBACK_IPS = "127.0.0.1,::1,::ffff:127.0.0.1";

/** Test-host ports by scheme (docs/kaspi.md §1: mtokentest.kaspi.kz:8543/8544/8545), for the hint. */
const QR_PORTS = { r1: 8543, r2: 8544, r3: 8545 } as const;

export type Env = z.infer<typeof schema> & {
  appUrl: string;
  bitrixOrigins: string[];
  sandboxEnabled: boolean;
  kaspiBaseUrl: string;
  kaspiToken: string;
  kaspiQrBaseUrl: string;
  kaspiQrDeviceToken: string;
  checkpayAllowedIps: string[];
  /** checkpayAllowedIps, parsed (never a /0 range). */
  checkpayAllowList: AddressList;
  /** TRUSTED_PROXIES: whose X-Forwarded-For is believed. */
  trustedProxies: string[];
  /** trustedProxies, parsed. */
  trustedProxyList: AddressList;
  /** "sandbox" when payments go to the built-in simulator (no credentials), else "live". */
  paymentMode: "live" | "sandbox";
  checkpayServiceId: string;
  checkpayPayLink: string;
  /** KASPI_CHECKPAY_ENTRY. */
  checkpayEntry: "online" | "link";
  /** Where the Kaspi button's order goes: KASPI_ONLINE_URL, the sandbox's stand-in, or Kaspi's. */
  kaspiOnlineUrl: string;
  /** The one extra form-action the checkout page allows: the Kaspi button's URL (checkpay + online). */
  checkoutFormAction: string | undefined;
  /** Fiscal receipts (FISCAL_PROVIDER, WEBKASSA_*; lib/fiscal/settings.ts); null = none issued. */
  fiscal: FiscalSettings | null;
  /**
   * The Bitrix24 OAuth app (BITRIX24_CLIENT_ID/SECRET, BITRIX24_OAUTH_URL), or null when it is not
   * configured (then POST /bitrix24/install and /bitrix24/events answer 404). `oauthServer` is the
   * token URL's origin: where app.info confirms an install (settings/oauth/simple-way.md).
   */
  bitrix24App: { clientId: string; clientSecret: string; oauthUrl: string; oauthServer: string } | null;
  /** STORE_SECRETS_KEY (+ _PREVIOUS), parsed; null when unset. Never logged. */
  storeSecrets: SecretKeyring | null;
  /** What to tell the operator at start (first names still read, and what replaces them). */
  warnings: string[];
};

/**
 * First names of settings, read when the new name is unset, with a warning at start that names
 * the new one. When both are set the new one wins (the first name is still validated when it is
 * an address list: a typo must never wait to bite).
 */
const FIRST_NAMES = {
  KASPI_GATEWAY_SERVICE_ID: "KASPI_CHECKPAY_SERVICE_ID",
  KASPI_GATEWAY_PAY_LINK: "KASPI_CHECKPAY_PAY_LINK",
  KASPI_GATEWAY_FORMAT: "KASPI_CHECKPAY_FORMAT",
  KASPI_GATEWAY_ALLOWED_IPS: "KASPI_CHECKPAY_ALLOWED_IPS",
  KASPI_GATEWAY_TRUSTED_PROXIES: "TRUSTED_PROXIES",
} as const;

const isSet = (value: string | undefined): value is string => value !== undefined && value.trim() !== "";

/** The source with first names moved to their new names; `readAs` says which variable was read for each. */
function withNewNames(source: Record<string, string | undefined>) {
  const moved: Record<string, string | undefined> = { ...source };
  const warnings: string[] = [];
  const readAs: Record<string, string> = {};
  for (const [first, current] of Object.entries(FIRST_NAMES)) {
    const old = source[first];
    delete moved[first];
    if (!isSet(old)) continue;
    if (isSet(source[current])) {
      warnings.push(`${first} is ignored: ${current} is set (${first} is its first name; remove it)`);
    } else {
      moved[current] = old;
      readAs[current] = first;
      warnings.push(`${first} is a first name, read this time: rename it to ${current}`);
    }
  }
  return { moved, warnings, readAs };
}

export class EnvError extends Error {
  override name = "EnvError";
}

/**
 * Outside the sandbox no protocol is assumed: the merchant's contract with Kaspi decides, and each
 * contract comes with different things from Kaspi (docs/kaspi.md). One line per contract.
 */
export const KASPI_PROTOCOL_REQUIRED = [
  "KASPI_PROTOCOL: is required outside the sandbox; set the contract you have with Kaspi:",
  "  qr       — Kaspi QR merchant API: Kaspi gave you a DeviceToken and client certificates (r2/r3) or an API key (r1); set KASPI_QR_SCHEME, KASPI_QR_BASE_URL, KASPI_QR_DEVICE_TOKEN, KASPI_QR_API_KEY or KASPI_QR_CERT_FILE+KASPI_QR_KEY_FILE (or KASPI_QR_PFX_FILE), KASPI_QR_ORGANIZATION_BIN (r3)",
  "  checkpay — provider (check/pay) with the Kaspi button: Kaspi gave you a Service code and the addresses it calls from; set KASPI_CHECKPAY_SERVICE_ID, KASPI_CHECKPAY_ALLOWED_IPS",
  "  ecom     — eCommerce API: Kaspi gave you a token and its documentation (not public); set KASPI_TOKEN, KASPI_BASE_URL",
].join("\n");

/** Without KASPI_PROTOCOL only the sandbox starts (explicitly on, or auto on loopback with no Kaspi credential). */
function requireProtocolOutsideSandbox(source: Record<string, string | undefined>): void {
  if (isSet(source.KASPI_PROTOCOL)) return;
  const sandbox = source.KASPI_SANDBOX?.trim() || "auto";
  if (sandbox !== "auto" && sandbox !== "off") return; // "on", or a typo the schema names
  const credential = ["KASPI_TOKEN", "KASPI_QR_DEVICE_TOKEN", "KASPI_CHECKPAY_SERVICE_ID"].some((n) =>
    isSet(source[n]),
  );
  const appUrl = source.APP_URL?.trim() || "http://localhost";
  if (!URL.canParse(appUrl)) return; // the schema names APP_URL
  if (sandbox === "auto" && !credential && isLoopbackUrl(appUrl)) return;
  throw new EnvError(`Invalid configuration:\n  ${KASPI_PROTOCOL_REQUIRED}\nSee .env.example for every setting.`);
}

export function parseEnv(raw: Record<string, string | undefined>): Env {
  const { moved: source, warnings, readAs } = withNewNames(raw);
  requireProtocolOutsideSandbox(source);
  const result = schema.safeParse(source);
  if (!result.success) {
    const nameOf = (path: string) => (readAs[path] ? `${path} (read from ${readAs[path]})` : path);
    const lines = result.error.issues.map((i) => `  ${nameOf(i.path.join(".")) || "(env)"}: ${i.message}`);
    throw new EnvError(`Invalid configuration:\n${lines.join("\n")}\nSee .env.example for every setting.`);
  }
  const v = result.data;
  const appUrl = (v.APP_URL ?? `http://localhost:${v.PORT}`).replace(/\/+$/, "");
  const sandboxEnabled = v.KASPI_SANDBOX === "on" || (v.KASPI_SANDBOX === "auto" && !hasKaspiCredentials(v));
  // The Webkassa simulator stands in only where the payments are the Kaspi sandbox's too.
  const fiscal = fiscalSettingsFrom(source, {
    port: v.PORT,
    sandboxEnabled: sandboxEnabled && !hasKaspiCredentials(v),
  });
  if (!fiscal.ok) {
    throw new EnvError(
      `Invalid configuration:\n${fiscal.lines.map((l) => `  ${l}`).join("\n")}\nSee .env.example for every setting.`,
    );
  }
  let storeSecrets: SecretKeyring | null;
  try {
    storeSecrets = fromEnvironment(source);
  } catch (error) {
    if (!(error instanceof SecretKeyError)) throw error;
    // The message names the variable, never the key (lib/stores/secrets.ts).
    throw new EnvError(`Invalid configuration:\n  ${error.message}\nSee .env.example for every setting.`);
  }
  const bitrix24App =
    v.BITRIX24_CLIENT_ID && v.BITRIX24_CLIENT_SECRET
      ? {
          clientId: v.BITRIX24_CLIENT_ID,
          clientSecret: v.BITRIX24_CLIENT_SECRET,
          oauthUrl: v.BITRIX24_OAUTH_URL,
          oauthServer: new URL(v.BITRIX24_OAUTH_URL).origin,
        }
      : null;
  const bitrixOrigins = v.BITRIX_ORIGINS.split(",")
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of bitrixOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new EnvError(
        `Invalid configuration:\n  BITRIX_ORIGINS: "${origin}" is not an origin like https://shop.example.kz`,
      );
    }
  }
  // With no token the app talks to its own sandbox over loopback, exactly as it would to Kaspi.
  const kaspiBaseUrl = (
    v.KASPI_BASE_URL ?? (v.KASPI_TOKEN ? "https://api.kaspi.kz/payment/" : `http://127.0.0.1:${v.PORT}/sandbox/kaspi/`)
  ).replace(/\/*$/, "/");
  const sandboxQr = v.KASPI_PROTOCOL === "qr" && !hasKaspiCredentials(v);
  // Outside the sandbox the schema above has required KASPI_QR_BASE_URL (no invented default).
  const kaspiQrBaseUrl = (
    v.KASPI_QR_BASE_URL ?? (sandboxQr ? `http://127.0.0.1:${v.PORT}/sandbox/kaspi/qr/${v.KASPI_QR_SCHEME}/v01/` : "")
  ).replace(/\/*$/, "/");
  const list = splitList;
  // Every address list that is set is parsed now, also a first name shadowed by the new one: a bad
  // entry stops the start, naming the variable and the entry (never a silent /0 that lets anyone in).
  const parsedList = (name: string, value: string | undefined, options: { allowEverything?: boolean } = {}) => {
    const entries = list(value ?? "");
    try {
      return { entries, blocks: addressList(entries, options) };
    } catch (error) {
      if (!(error instanceof AddressListError)) throw error;
      throw new EnvError(
        `Invalid configuration:\n  ${name}: ${error.message} (write an IPv4 or IPv6 address, optionally /prefix: 0–32 or 0–128)`,
      );
    }
  };
  const sandboxCheckpay = v.KASPI_PROTOCOL === "checkpay" && !hasKaspiCredentials(v);
  // A first name shadowed by the new one is still parsed: a typo in it stops the start too.
  if (isSet(raw.KASPI_CHECKPAY_ALLOWED_IPS) && isSet(raw.KASPI_GATEWAY_ALLOWED_IPS)) {
    parsedList("KASPI_GATEWAY_ALLOWED_IPS", raw.KASPI_GATEWAY_ALLOWED_IPS, { allowEverything: false });
  }
  if (isSet(raw.TRUSTED_PROXIES) && isSet(raw.KASPI_GATEWAY_TRUSTED_PROXIES)) {
    parsedList("KASPI_GATEWAY_TRUSTED_PROXIES", raw.KASPI_GATEWAY_TRUSTED_PROXIES);
  }
  const checkpayAllow = parsedList(
    readAs.KASPI_CHECKPAY_ALLOWED_IPS ?? "KASPI_CHECKPAY_ALLOWED_IPS",
    v.KASPI_CHECKPAY_ALLOWED_IPS ??
      (sandboxCheckpay ? `${LOOPBACK_IPS},${KASPI_CHECKPAY_DEFAULT_IPS}` : KASPI_CHECKPAY_DEFAULT_IPS),
    { allowEverything: false },
  );
  const checkpayAllowedIps = checkpayAllow.entries;
  const checkpayServiceId = v.KASPI_CHECKPAY_SERVICE_ID ?? "sandbox";
  const proxies = parsedList(readAs.TRUSTED_PROXIES ?? "TRUSTED_PROXIES", v.TRUSTED_PROXIES);
  const trustedProxies = proxies.entries;
  // Outside the sandbox the schema above has required KASPI_CHECKPAY_PAY_LINK (no invented default).
  const checkpayPayLink =
    v.KASPI_CHECKPAY_PAY_LINK ?? (sandboxCheckpay ? `${appUrl}/sandbox/kaspi/pay/{paymentId}` : "");
  const kaspiOnlineUrl =
    v.KASPI_ONLINE_URL ?? (sandboxCheckpay ? `${appUrl}/sandbox/kaspi/online` : KASPI_ONLINE_DEFAULT_URL);
  return {
    ...v,
    appUrl,
    bitrixOrigins,
    sandboxEnabled,
    kaspiBaseUrl,
    kaspiToken: v.KASPI_TOKEN ?? "sandbox",
    kaspiQrBaseUrl,
    kaspiQrDeviceToken: v.KASPI_QR_DEVICE_TOKEN ?? "sandbox-device-token",
    checkpayAllowedIps,
    checkpayAllowList: checkpayAllow.blocks,
    trustedProxies,
    trustedProxyList: proxies.blocks,
    paymentMode: hasKaspiCredentials(v) ? "live" : "sandbox",
    checkpayServiceId,
    checkpayPayLink,
    checkpayEntry: v.KASPI_CHECKPAY_ENTRY,
    kaspiOnlineUrl,
    checkoutFormAction:
      v.KASPI_PROTOCOL === "checkpay" && v.KASPI_CHECKPAY_ENTRY === "online" ? kaspiOnlineUrl : undefined,
    fiscal: fiscal.value,
    bitrix24App,
    storeSecrets,
    warnings,
  };
}

let cached: Env | undefined;

export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Tests only: forget the parsed configuration after changing process.env. */
export function resetEnvForTests(): void {
  cached = undefined;
}
