import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Db } from "../db";
import {
  kaspiSettingsOf,
  saveKaspiSettings,
  STORE_MODES,
  STORE_PROTOCOLS,
  StoreSettingsError,
  type KaspiCredentials,
  type StoreKaspiSettings,
  type StoreMode,
  type StoreProtocol,
} from "../stores/kaspi-settings";
import type { SecretKeyring } from "../stores/secrets";
import { findStoreByMemberId, type Store } from "../stores/store-repository";
import { createOAuthRestClient } from "./oauth";
import type { Bitrix24App } from "./store-client";

// /bitrix24/app: the app's page inside the portal (issue 20, point 4). Sources are
// bitrix24/b24restdocs paths:
// - The portal opens an app's page in its frame with a POST: DOMAIN, PROTOCOL, LANG, APP_SID in
//   the query string; AUTH_ID, AUTH_EXPIRES, REFRESH_ID, member_id, status, PLACEMENT (and
//   PLACEMENT_OPTIONS) in the form body. The installer gets "the same data as a regular application
//   page" (settings/oauth/simple-way.md). Nothing in it is signed.
// - So the store is the one installed with that member_id (active only), and the frame's user is
//   authorised by calling that store's REST (its stored restBase, never the request's DOMAIN) with
//   auth=AUTH_ID: a token the portal does not know — another portal's, a forged one, an expired
//   one — is refused by the portal (401 NO_AUTH_FOUND / expired_token, _includes/system-errors.md),
//   so the page shows nothing.
// - user.admin answers whether that user is a Bitrix24 administrator: in the cloud, whether the
//   user may change the portal's settings (api-reference/common/users/user-admin.md; scope basic,
//   any user may call it). Only administrators may change the store's Kaspi settings; everyone the
//   portal vouches for sees them and the latest payments, read-only.
// - Frames often lose third-party cookies: there is no cookie session. Every save carries AUTH_ID
//   and member_id again as hidden fields and is authorised again with user.admin. A form nonce,
//   random and bound to AUTH_ID and the store by an HMAC with a server secret, is required too:
//   a save needs the page's own form, not only the token.

export type AppPageDeps = {
  db: Db;
  keyring: SecretKeyring;
  app: Bitrix24App;
  fetch?: typeof fetch;
  timeoutMs?: number;
};

export const APP_PATH = "/bitrix24/app";
export const APP_SETTINGS_PATH = "/bitrix24/app/settings";

export type AppLang = "ru" | "kk" | "en";

/** LANG from the query (simple-way.md); Bitrix24 names Kazakh "kz" in places, ISO "kk". Default ru. */
export function appLangOf(value: string | null | undefined): AppLang {
  const v = (value ?? "").trim().toLowerCase();
  if (v === "kk" || v === "kz") return "kk";
  if (v === "en") return "en";
  return "ru";
}

export type FrameRefusal = {
  ok: false;
  /** 400 malformed, 404 no such installed store, 401 the portal did not vouch for the token. */
  status: 400 | 401 | 404;
  reason: string;
  /** The store's portal origin when the store is known: the refusal is framed by it only. */
  portalOrigin: string | null;
};

export type AuthorisedFrame = { ok: true; store: Store; portalOrigin: string; admin: boolean };

const MEMBER_ID = /^[A-Za-z0-9_-]{1,128}$/;
// The token format is not documented beyond the examples (32 lower-case alphanumerics): any
// 8–512 visible ASCII characters, as the install parser (lib/bitrix24/oauth.ts).
const AUTH_ID = /^[\x21-\x7e]{8,512}$/;

/** The portal origin of an installed store (its stored REST base), or null. */
export function portalOriginOf(store: Pick<Store, "restBase">): string | null {
  try {
    return store.restBase ? new URL(store.restBase).origin : null;
  } catch {
    return null;
  }
}

/**
 * Who is in the frame: the active store of `member_id`, and whether its portal takes `authId` and
 * calls its user an administrator (user.admin on the store's own REST base).
 */
export async function authoriseFrame(
  deps: AppPageDeps,
  input: { memberId: string | null; authId: string | null },
): Promise<AuthorisedFrame | FrameRefusal> {
  const memberId = input.memberId ?? "";
  const authId = input.authId ?? "";
  if (!MEMBER_ID.test(memberId) || !AUTH_ID.test(authId)) {
    return { ok: false, status: 400, reason: "member_id or AUTH_ID missing or malformed", portalOrigin: null };
  }
  const store = await findStoreByMemberId(deps.db, memberId);
  const portalOrigin = store ? portalOriginOf(store) : null;
  if (!store || store.kind !== "bitrix24" || !portalOrigin) {
    return { ok: false, status: 404, reason: "no store installed with this member_id", portalOrigin: null };
  }
  if (store.status !== "active") {
    return { ok: false, status: 404, reason: "the app was uninstalled from this portal", portalOrigin };
  }
  const client = createOAuthRestClient({
    restBase: store.restBase!,
    // The frame's own token: used as it is, never renewed (its REFRESH_ID is not kept).
    getAccessToken: () => authId,
    onExpired: () => Promise.reject(new Error("the frame's token expired: open the app again")),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.timeoutMs ? { timeoutMs: deps.timeoutMs } : {}),
  });
  const answer = await client.call<unknown>("user.admin");
  if (!answer.ok) {
    return { ok: false, status: 401, reason: `user.admin: ${answer.error} ${answer.description}`, portalOrigin };
  }
  // user-admin.md: result is a boolean. Anything else is no administrator.
  return { ok: true, store, portalOrigin, admin: answer.result === true };
}

// --- the form's nonce ---------------------------------------------------------------------------

function nonceKey(app: Bitrix24App): Buffer {
  // A key of its own, derived from the app's client secret (a server secret every install needs).
  return createHmac("sha256", app.clientSecret).update("bitrix24-app-settings-form").digest();
}

function nonceMac(app: Bitrix24App, storeId: string, authId: string, random: string): string {
  return createHmac("sha256", nonceKey(app)).update(`${storeId}\0${authId}\0${random}`).digest("base64url");
}

/** A fresh nonce for the settings form, bound to this AUTH_ID and store. */
export function newFormNonce(app: Bitrix24App, storeId: string, authId: string): string {
  const random = randomBytes(16).toString("base64url");
  return `${random}.${nonceMac(app, storeId, authId, random)}`;
}

export function formNonceValid(app: Bitrix24App, storeId: string, authId: string, nonce: string | null): boolean {
  const m = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/.exec(nonce ?? "");
  if (!m) return false;
  const given = Buffer.from(m[2]!);
  const expected = Buffer.from(nonceMac(app, storeId, authId, m[1]!));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

// --- what the page shows ------------------------------------------------------------------------

export type AppPayment = {
  createdAt: Date;
  orderNumber: string;
  /** Whole tenge. */
  amount: number;
  status: string;
};

/** The non-secret parts of the stored credentials, and which secrets are set (never their values). */
export type CredentialsView = {
  protocol: StoreProtocol | null;
  values: Partial<Record<"baseUrl" | "serviceId" | "entry" | "payLink", string>>;
  secretsSet: Partial<Record<SecretField, boolean>>;
};

export type AppPageView = {
  storeName: string;
  settings: Omit<StoreKaspiSettings, "credentials">;
  credentials: CredentialsView;
  payments: AppPayment[];
};

const SECRET_FIELDS = ["token", "apiKey", "deviceToken"] as const;
type SecretField = (typeof SECRET_FIELDS)[number];

function credentialsView(credentials: KaspiCredentials | null): CredentialsView {
  if (!credentials) return { protocol: null, values: {}, secretsSet: {} };
  switch (credentials.protocol) {
    case "ecom":
      return {
        protocol: "ecom",
        values: credentials.baseUrl ? { baseUrl: credentials.baseUrl } : {},
        secretsSet: { token: true },
      };
    case "qr":
      return {
        protocol: "qr",
        values: { baseUrl: credentials.baseUrl },
        secretsSet: { apiKey: true, deviceToken: true },
      };
    case "checkpay":
      return {
        protocol: "checkpay",
        values: {
          serviceId: credentials.serviceId,
          entry: credentials.entry,
          ...(credentials.payLink ? { payLink: credentials.payLink } : {}),
        },
        secretsSet: {},
      };
  }
}

/** The store's Kaspi settings (secrets only as set / not set) and its latest payments. */
export async function loadAppPage(deps: AppPageDeps, store: Store, limit = 20): Promise<AppPageView> {
  const settings = kaspiSettingsOf(store, deps.keyring);
  const rows = await deps.db.payment.findMany({
    where: { storeId: store.id },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit,
    select: {
      createdAt: true,
      amount: true,
      status: true,
      order: { select: { externalId: true, accountNumber: true } },
    },
  });
  return {
    storeName: store.name ?? store.domain ?? store.id,
    settings: { storeId: settings.storeId, protocol: settings.protocol, mode: settings.mode },
    credentials: credentialsView(settings.credentials),
    payments: rows.map((r) => ({
      createdAt: r.createdAt,
      orderNumber: r.order.accountNumber ?? r.order.externalId,
      amount: r.amount,
      status: r.status,
    })),
  };
}

// --- saving -------------------------------------------------------------------------------------

/** The settings form's fields (names as rendered by lib/bitrix24/app-page-html.ts). */
export type SettingsForm = Record<string, string | undefined>;

/**
 * The credentials the form describes for `protocol`. A secret left blank keeps the stored one of
 * the same protocol (the page never shows it); a form with nothing entered and nothing stored is
 * "no credentials" (the sandbox in test mode; saveKaspiSettings refuses live mode without them).
 */
export function credentialsFromForm(
  protocol: StoreProtocol,
  form: SettingsForm,
  stored: KaspiCredentials | null,
): Record<string, unknown> | null {
  const same = stored && stored.protocol === protocol ? (stored as Record<string, unknown>) : null;
  const field = (name: string): string | undefined => {
    const v = (form[`${protocol}_${name}`] ?? "").trim();
    if (v) return v;
    if ((SECRET_FIELDS as readonly string[]).includes(name) && typeof same?.[name] === "string") {
      return same[name] as string;
    }
    return undefined;
  };
  const names =
    protocol === "ecom"
      ? ["token", "baseUrl"]
      : protocol === "qr"
        ? ["apiKey", "deviceToken", "baseUrl"]
        : ["serviceId", "payLink"];
  const entered = Object.fromEntries(names.flatMap((n) => (field(n) ? [[n, field(n)]] : [])));
  if (Object.keys(entered).length === 0) return null;
  if (protocol === "qr") return { protocol, scheme: "r1", ...entered };
  if (protocol === "checkpay") {
    const entry = form.checkpay_entry === "link" ? "link" : "online";
    return { protocol, entry, ...entered };
  }
  return { protocol, ...entered };
}

export type SaveOutcome =
  | { ok: true; settings: StoreKaspiSettings }
  | { ok: false; status: 403 | 422; reason: "NOT_ADMIN" | "BAD_NONCE" | "INVALID"; message: string };

/**
 * Saves the Kaspi settings of an authorised frame's store: administrators only, with the page's
 * own nonce. StoreSettingsError becomes a 422 with its message (never a 500).
 */
export async function saveAppSettings(
  deps: AppPageDeps,
  frame: AuthorisedFrame,
  input: { authId: string; nonce: string | null; form: SettingsForm },
): Promise<SaveOutcome> {
  if (!frame.admin) {
    return { ok: false, status: 403, reason: "NOT_ADMIN", message: "only the portal's administrators change settings" };
  }
  if (!formNonceValid(deps.app, frame.store.id, input.authId, input.nonce)) {
    return { ok: false, status: 403, reason: "BAD_NONCE", message: "the form is not this page's" };
  }
  const protocol = input.form.protocol ?? "";
  const mode = input.form.mode ?? "";
  if (
    !(STORE_PROTOCOLS as readonly string[]).includes(protocol) ||
    !(STORE_MODES as readonly string[]).includes(mode)
  ) {
    return { ok: false, status: 422, reason: "INVALID", message: "choose a Kaspi contract and a mode" };
  }
  const stored = kaspiSettingsOf(frame.store, deps.keyring).credentials;
  try {
    const settings = await saveKaspiSettings(deps.db, deps.keyring, {
      storeId: frame.store.id,
      protocol: protocol as StoreProtocol,
      mode: mode as StoreMode,
      credentials: credentialsFromForm(protocol as StoreProtocol, input.form, stored),
    });
    return { ok: true, settings };
  } catch (e) {
    if (e instanceof StoreSettingsError) return { ok: false, status: 422, reason: "INVALID", message: e.message };
    throw e;
  }
}
