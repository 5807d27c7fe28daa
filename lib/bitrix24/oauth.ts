import { createHash, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { restAnswerOf, type Bitrix24Client, type RestAnswer, type RestError } from "./rest-client";

// Bitrix24 as an OAuth application: the install call, its confirmation with app.info, the refresh
// grant, a REST client that renews an expired token once, and event handler bodies with their
// application_token. Modelled on the primary sources, cited beside each behaviour:
//   bitrix24/b24restdocs            settings/oauth/*.md, api-reference/..., _includes/system-errors.md
//   bitrix24/b24pysdk               Bitrix's own Python SDK, for the authorization server's app.info answer
//   avshatalov48/bitrix-core-business modules/rest/classes/general/rest_provider.php (the portal's app.info)
// See docs/bitrix24-oauth.md for what is documented and what is inferred.

type FetchLike = typeof fetch;

const DEFAULT_TIMEOUT_MS = 10_000;

/** 127.0.0.0/8, ::1 and localhost: the only hosts plain http is ever allowed to. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(h);
}

/** An absolute https URL, or http to a loopback host (stand-ins in tests). */
function outboundUrl(value: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${what} is not a URL`);
  }
  if (url.username || url.password) throw new TypeError(`${what} must not carry credentials`);
  if (url.protocol === "https:") return url;
  if (url.protocol === "http:" && isLoopbackHost(url.hostname)) return url;
  throw new TypeError(`${what} must be https (plain http only to a loopback host)`);
}

// ---------------------------------------------------------------------------------------------
// (a) The install call
// ---------------------------------------------------------------------------------------------

/**
 * The portal's call of the app's install (or page) URL, as bitrix24/b24restdocs
 * settings/oauth/simple-way.md shows it: a POST whose query string carries DOMAIN, PROTOCOL,
 * LANG and APP_SID, and whose form body carries the tokens and the portal's identity.
 * Nothing in it is trusted until verifyInstall() confirms AUTH_ID.
 */
export type InstallRequest = {
  /** The portal's host (and port), lower-cased: "portal.bitrix24.kz". */
  domain: string;
  protocol: "https" | "http";
  /** PROTOCOL + DOMAIN + "/rest/": where REST methods are called with `auth` (simple-way.md). */
  restBase: string;
  lang: string | null;
  appSid: string | null;
  /** access_token, valid for AUTH_EXPIRES seconds (one hour). */
  authId: string;
  authExpiresSeconds: number;
  /** refresh_token (simple-way.md: "the same as refresh_token in the complete protocol"). */
  refreshId: string;
  /** The authorization server's REST base, e.g. https://oauth.bitrix.info/rest/ (informational). */
  serverEndpoint: string | null;
  /** Compared with auth[application_token] of every event (api-reference/events/safe-event-handlers.md). */
  applicationToken: string;
  scope: string[];
  /** The portal's id; survives a change of domain (simple-way.md). */
  memberId: string;
  /** L local, F free, D demo, T trial, P paid; informational only (simple-way.md). */
  status: "L" | "F" | "D" | "T" | "P" | null;
  /** DEFAULT for the app's own page and its installer (simple-way.md). */
  placement: string;
};

export type InstallParse = { ok: true; install: InstallRequest } | { ok: false; problems: string[] };

type Fields = URLSearchParams | Readonly<Record<string, string | undefined>>;

function read(fields: Fields, name: string): string | undefined {
  if (fields instanceof URLSearchParams) {
    return fields.has(name) ? (fields.get(name) ?? undefined) : undefined;
  }
  return fields[name];
}

// Tokens in the docs are 32 lower-case alphanumerics; newer ones are longer. Any visible ASCII,
// bounded, so nothing odd reaches a URL, a log or a database column.
const token = z.string().regex(/^[\x21-\x7e]{8,512}$/, "expected a token (8–512 visible ASCII characters)");
const HOST =
  /^(?:(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?|\[::1\])(?::\d{1,5})?$/i;

const querySchema = z.object({
  DOMAIN: z.string().max(253).regex(HOST, "expected the portal's host name"),
  PROTOCOL: z.enum(["0", "1"], { message: "expected 1 (https) or 0 (http)" }),
  LANG: z
    .string()
    .regex(/^[a-z]{2}(?:[-_][a-z]{2})?$/i, "expected a language code")
    .optional(),
  APP_SID: z.string().max(128).optional(),
});

const bodySchema = z.object({
  AUTH_ID: token,
  AUTH_EXPIRES: z.string().regex(/^[1-9]\d{0,7}$/, "expected a lifetime in seconds"),
  REFRESH_ID: token,
  SERVER_ENDPOINT: z.string().max(512).optional(),
  APPLICATION_TOKEN: token,
  APPLICATION_SCOPE: z.string().max(2048).optional(),
  member_id: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, "expected the portal's member id"),
  status: z.enum(["L", "F", "D", "T", "P"]).optional(),
  PLACEMENT: z
    .string()
    .regex(/^[A-Z0-9_.:-]{1,128}$/i, "expected a placement code")
    .optional(),
});

function pick(fields: Fields, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const v = read(fields, name);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

function problemsOf(where: string, error: z.ZodError): string[] {
  return error.issues.map((i) => {
    const field = i.path.join(".") || "(form)";
    return i.code === "invalid_type" ? `${field} (${where}): missing` : `${field} (${where}): ${i.message}`;
  });
}

/**
 * Parses the install call. `query` is the URL's query string, `body` the form-urlencoded body.
 * Plain http (PROTOCOL=0) is refused unless `allowLoopbackHttp` is on and DOMAIN is a loopback host.
 */
export function parseInstallCall(
  input: { query: Fields; body: Fields | string },
  options: { allowLoopbackHttp?: boolean } = {},
): InstallParse {
  const body = typeof input.body === "string" ? new URLSearchParams(input.body) : input.body;
  const q = querySchema.safeParse(pick(input.query, Object.keys(querySchema.shape)));
  const b = bodySchema.safeParse(pick(body, Object.keys(bodySchema.shape)));
  const problems = [
    ...(q.success ? [] : problemsOf("query", q.error)),
    ...(b.success ? [] : problemsOf("body", b.error)),
  ];
  if (!q.success || !b.success) return { ok: false, problems };

  const domain = q.data.DOMAIN.toLowerCase();
  const protocol = q.data.PROTOCOL === "1" ? "https" : "http";
  // simple-way.md: PROTOCOL 0 = HTTP, 1 = HTTPS. Tokens never travel in clear text to a remote host.
  const url = new URL(`${protocol}://${domain}/`);
  if (protocol === "http" && !(options.allowLoopbackHttp && isLoopbackHost(url.hostname))) {
    problems.push("PROTOCOL (query): plain http is refused; the portal must be reached over https");
  }
  let serverEndpoint: string | null = null;
  if (b.data.SERVER_ENDPOINT) {
    try {
      serverEndpoint = outboundUrl(b.data.SERVER_ENDPOINT, "SERVER_ENDPOINT").toString();
    } catch (e) {
      problems.push(`SERVER_ENDPOINT (body): ${(e as Error).message}`);
    }
  }
  if (problems.length) return { ok: false, problems };
  return {
    ok: true,
    install: {
      domain,
      protocol,
      restBase: `${protocol}://${domain}/rest/`,
      lang: q.data.LANG ?? null,
      appSid: q.data.APP_SID ?? null,
      authId: b.data.AUTH_ID,
      authExpiresSeconds: Number(b.data.AUTH_EXPIRES),
      refreshId: b.data.REFRESH_ID,
      serverEndpoint,
      applicationToken: b.data.APPLICATION_TOKEN,
      scope: splitScope(b.data.APPLICATION_SCOPE),
      memberId: b.data.member_id,
      status: b.data.status ?? null,
      placement: b.data.PLACEMENT ?? "DEFAULT",
    },
  };
}

function splitScope(scope: string | undefined | null): string[] {
  // A comma-separated list (simple-way.md, settings/oauth/index.md); ONAPPINSTALL's docs say spaces.
  return (scope ?? "")
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

// ---------------------------------------------------------------------------------------------
// Shared: one REST/OAuth request that never throws
// ---------------------------------------------------------------------------------------------

type Raw =
  | { ok: true; status: number; json: unknown }
  | { ok: false; error: "NETWORK" | "MALFORMED"; description: string; status: number };

async function request(fetchImpl: FetchLike, url: string, init: RequestInit, timeoutMs: number): Promise<Raw> {
  let res: Response;
  try {
    res = await fetchImpl(url, { ...init, redirect: "error", signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const timedOut = e instanceof Error && e.name === "TimeoutError";
    return {
      ok: false,
      error: "NETWORK",
      description: timedOut ? `no answer within ${timeoutMs} ms` : "connection failed",
      status: 0,
    };
  }
  const text = await res.text().catch(() => "");
  try {
    return { ok: true, status: res.status, json: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, error: "MALFORMED", description: `HTTP ${res.status}, not JSON`, status: res.status };
  }
}

// An error answer of the portal and of the authorization server alike:
// { error, error_description } (b24restdocs error-codes.md, settings/oauth/error-codes.md).
const errorSchema = z.object({ error: z.string().min(1), error_description: z.string().optional() }).loose();

// ---------------------------------------------------------------------------------------------
// (b) Confirming the install call with app.info
// ---------------------------------------------------------------------------------------------

export type VerifyInstallFailure =
  | "CLIENT_MISMATCH"
  | "MEMBER_MISMATCH"
  | "DOMAIN_MISMATCH"
  /** The answer names no client id (the portal's own app.info never does): nothing to compare. */
  | "NO_CLIENT_ID"
  | "REST_ERROR"
  | "NETWORK"
  | "MALFORMED";

export type VerifiedInstall = {
  clientId: string;
  memberId: string | null;
  domain: string | null;
  clientEndpoint: string | null;
  scope: string[];
  status: string | null;
  installed: boolean | null;
  userId: number | null;
};

export type VerifyInstallResult =
  | { ok: true; app: VerifiedInstall }
  | { ok: false; reason: VerifyInstallFailure; description: string; httpStatus: number };

// The authorization server's app.info (oauth.bitrix.info/rest/app.info, settings/oauth/simple-way.md):
// its answer is not shown in b24restdocs; Bitrix's own SDK reads result.client_id,
// result.install.{member_id,domain,client_endpoint,installed,status}, result.scope and
// result.user_id (bitrix24/b24pysdk b24pysdk/api/responses/bitrix_app_info_response.py) and
// accepts a token only when client_id is its own and the member id matches
// (b24pysdk/integrations/fastapi/dependencies/placement_dependency.py, credentials/auth.py).
const serverAppInfoSchema = z
  .object({
    result: z
      .object({
        client_id: z.string().optional(),
        CLIENT_ID: z.string().optional(),
        scope: z.string().optional(),
        user_id: z.union([z.string(), z.number()]).optional(),
        install: z
          .object({
            member_id: z.string().optional(),
            domain: z.string().optional(),
            client_endpoint: z.string().optional(),
            installed: z.union([z.boolean(), z.string()]).optional(),
            status: z.string().optional(),
          })
          .loose()
          .optional(),
        // The portal's app.info (api-reference/common/system/app-info.md): ID, CODE, VERSION,
        // STATUS, INSTALLED, ... and no client id (CRestProvider::appInfo, rest_provider.php).
        STATUS: z.string().optional(),
        INSTALLED: z.boolean().optional(),
      })
      .loose(),
  })
  .loose();

/** The authorization server's origin from its token URL (same host, settings/oauth/simple-way.md). */
export function oauthServerOf(oauthUrl: string): string {
  return outboundUrl(oauthUrl, "the OAuth token URL").origin;
}

/**
 * Confirms an install call's AUTH_ID: calls app.info with `auth=<AUTH_ID>` and accepts only an
 * answer naming our client id (and, when given, the install's member id and domain).
 * - `oauthServer` (e.g. https://oauth.bitrix.info): GET <server>/rest/app.info?auth=…, as
 *   settings/oauth/simple-way.md advises for a trusted answer. This is the one that names the
 *   client id.
 * - `restBase` (the portal's https://<domain>/rest/): POST app.info with auth in the body, as
 *   api-reference/common/system/app-info.md shows. Its documented answer has no client id, so it
 *   is accepted only if the portal ever adds one (CLIENT_ID / client_id); else NO_CLIENT_ID.
 */
export async function verifyInstall(options: {
  restBase?: string;
  oauthServer?: string;
  authId: string;
  clientId: string;
  memberId?: string;
  domain?: string;
  fetch?: FetchLike;
  timeoutMs?: number;
}): Promise<VerifyInstallResult> {
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let raw: Raw;
  if (options.oauthServer) {
    const url = new URL("/rest/app.info", outboundUrl(options.oauthServer, "oauthServer"));
    url.searchParams.set("auth", options.authId);
    raw = await request(
      fetchImpl,
      url.toString(),
      { method: "GET", headers: { Accept: "application/json" } },
      timeoutMs,
    );
  } else if (options.restBase) {
    const base = outboundUrl(options.restBase, "restBase").toString().replace(/\/?$/, "/");
    raw = await request(
      fetchImpl,
      `${base}app.info`,
      {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
        body: new URLSearchParams({ auth: options.authId }).toString(),
      },
      timeoutMs,
    );
  } else {
    throw new TypeError("verifyInstall needs oauthServer or restBase");
  }
  if (!raw.ok) return { ok: false, reason: raw.error, description: raw.description, httpStatus: raw.status };
  const err = errorSchema.safeParse(raw.json);
  if (err.success) {
    return {
      ok: false,
      reason: "REST_ERROR",
      description: `${err.data.error}${err.data.error_description ? ` — ${err.data.error_description}` : ""}`,
      httpStatus: raw.status,
    };
  }
  const parsed = serverAppInfoSchema.safeParse(raw.json);
  if (!parsed.success || raw.status !== 200) {
    return {
      ok: false,
      reason: "MALFORMED",
      description: `HTTP ${raw.status}, unexpected app.info answer`,
      httpStatus: raw.status,
    };
  }
  const r = parsed.data.result;
  const clientId = r.client_id ?? r.CLIENT_ID;
  if (!clientId) {
    return {
      ok: false,
      reason: "NO_CLIENT_ID",
      description: "app.info named no client id; ask the authorization server (oauthServer)",
      httpStatus: raw.status,
    };
  }
  if (!equalsConstantTime(clientId, options.clientId)) {
    return {
      ok: false,
      reason: "CLIENT_MISMATCH",
      description: "the token belongs to another application",
      httpStatus: raw.status,
    };
  }
  const memberId = r.install?.member_id ?? null;
  if (options.memberId !== undefined && memberId !== options.memberId) {
    return {
      ok: false,
      reason: "MEMBER_MISMATCH",
      description: "the token belongs to another portal",
      httpStatus: raw.status,
    };
  }
  const domain = r.install?.domain?.toLowerCase() ?? null;
  if (options.domain !== undefined && domain !== null && domain !== options.domain.toLowerCase()) {
    return {
      ok: false,
      reason: "DOMAIN_MISMATCH",
      description: "the token belongs to a portal on another domain",
      httpStatus: raw.status,
    };
  }
  const installed = r.install?.installed ?? r.INSTALLED;
  return {
    ok: true,
    app: {
      clientId,
      memberId,
      domain,
      clientEndpoint: r.install?.client_endpoint ?? null,
      scope: splitScope(r.scope),
      status: r.install?.status ?? r.STATUS ?? null,
      installed: installed === undefined ? null : installed === true || installed === "Y" || installed === "true",
      userId: r.user_id === undefined ? null : Number(r.user_id),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// (c) The refresh grant
// ---------------------------------------------------------------------------------------------

export type OAuthTokens = {
  accessToken: string;
  /** Replaces the previous refresh token (settings/oauth/auto-renewal.md: "Retain it instead of the previous one"). */
  refreshToken: string;
  expiresIn: number;
  /** Unix ms: `expires` when the server sends it, else now + expires_in. */
  expiresAt: number;
  memberId: string | null;
  clientEndpoint: string | null;
  serverEndpoint: string | null;
  /** The authorization server's domain, not the portal's (settings/oauth/index.md). */
  domain: string | null;
  status: string | null;
  scope: string[];
  userId: number | null;
};

/**
 * Error codes of settings/oauth/error-codes.md, plus transport failures and an answer for another
 * portal than the one asked about.
 */
export type RefreshErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "invalid_scope"
  | "insufficient_scope"
  | "PAYMENT_REQUIRED"
  | "MEMBER_MISMATCH"
  | "NETWORK"
  | "MALFORMED"
  | (string & {});

export type RefreshResult =
  | { ok: true; tokens: OAuthTokens }
  | {
      ok: false;
      error: RefreshErrorCode;
      description: string;
      httpStatus: number;
      /**
       * True when asking again cannot help: the refresh token or the client is refused, or the
       * app is unpaid (error-codes.md: invalid_grant → authorize again; PAYMENT_REQUIRED → renew).
       */
      final: boolean;
    };

const FINAL_ERRORS = new Set([
  "invalid_request",
  "invalid_client",
  "invalid_grant",
  "invalid_scope",
  "insufficient_scope",
  "PAYMENT_REQUIRED",
]);

const numeric = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);

// The answer of settings/oauth/auto-renewal.md.
const tokenAnswerSchema = z
  .object({
    access_token: z.string().min(1),
    refresh_token: z.string().min(1),
    expires_in: numeric,
    expires: numeric.optional(),
    member_id: z.string().optional(),
    client_endpoint: z.string().optional(),
    server_endpoint: z.string().optional(),
    domain: z.string().optional(),
    status: z.string().optional(),
    scope: z.string().optional(),
    user_id: numeric.optional(),
  })
  .loose();

/**
 * The refresh grant of settings/oauth/auto-renewal.md: GET
 * <oauthUrl>?grant_type=refresh_token&client_id=…&client_secret=…&refresh_token=…
 * (default oauthUrl https://oauth.bitrix.info/oauth/token/). The client secret goes only to the
 * authorization server (settings/oauth/index.md). Never throws.
 */
export async function refreshTokens(options: {
  oauthUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** When given, an answer for another portal is refused (MEMBER_MISMATCH). */
  memberId?: string;
  fetch?: FetchLike;
  timeoutMs?: number;
  now?: () => number;
}): Promise<RefreshResult> {
  const url = outboundUrl(options.oauthUrl, "the OAuth token URL");
  url.searchParams.set("grant_type", "refresh_token");
  url.searchParams.set("client_id", options.clientId);
  url.searchParams.set("client_secret", options.clientSecret);
  url.searchParams.set("refresh_token", options.refreshToken);
  const raw = await request(
    options.fetch ?? fetch,
    url.toString(),
    { method: "GET", headers: { Accept: "application/json" } },
    options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  );
  if (!raw.ok)
    return { ok: false, error: raw.error, description: raw.description, httpStatus: raw.status, final: false };
  const err = errorSchema.safeParse(raw.json);
  if (err.success) {
    return {
      ok: false,
      error: err.data.error,
      description: err.data.error_description ?? "",
      httpStatus: raw.status,
      final: FINAL_ERRORS.has(err.data.error),
    };
  }
  const parsed = tokenAnswerSchema.safeParse(raw.json);
  if (!parsed.success || raw.status !== 200) {
    return {
      ok: false,
      error: "MALFORMED",
      description: `HTTP ${raw.status}, unexpected token answer`,
      httpStatus: raw.status,
      final: false,
    };
  }
  const t = parsed.data;
  if (options.memberId !== undefined && t.member_id !== undefined && t.member_id !== options.memberId) {
    return {
      ok: false,
      error: "MEMBER_MISMATCH",
      description: "the tokens are for another portal",
      httpStatus: raw.status,
      final: true,
    };
  }
  const now = (options.now ?? Date.now)();
  return {
    ok: true,
    tokens: {
      accessToken: t.access_token,
      refreshToken: t.refresh_token,
      expiresIn: t.expires_in,
      expiresAt: t.expires !== undefined ? t.expires * 1000 : now + t.expires_in * 1000,
      memberId: t.member_id ?? null,
      clientEndpoint: t.client_endpoint ?? null,
      serverEndpoint: t.server_endpoint ?? null,
      domain: t.domain ?? null,
      status: t.status ?? null,
      scope: splitScope(t.scope),
      userId: t.user_id ?? null,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// (d) A REST client with the app's token
// ---------------------------------------------------------------------------------------------

/** The error of an expired access token: HTTP 401 `expired_token` (b24restdocs _includes/system-errors.md). */
export const EXPIRED_TOKEN = "expired_token";

/**
 * A Bitrix24Client on the portal's REST base that sends the app's access token as `auth`
 * (settings/oauth/index.md: "access_token is passed in the auth parameter"; JSON body as in
 * api-reference/common/system/app-info.md, cURL (OAuth)). On `expired_token` it asks onExpired()
 * for a new token and repeats the call once with the same parameters (settings/oauth/auto-renewal.md,
 * "Recommended token handling logic" 3–6). Calls of this client that meet the same expiry share one
 * onExpired(); cross-process locking is the caller's (onExpired's) business.
 */
export function createOAuthRestClient(options: {
  restBase: string;
  getAccessToken: () => string | Promise<string>;
  /** Renews the tokens (refresh grant, stored in place of the old pair) and returns the new access token. */
  onExpired: (expiredAccessToken: string) => Promise<string>;
  fetch?: FetchLike;
  timeoutMs?: number;
}): Bitrix24Client {
  const base = outboundUrl(options.restBase, "restBase").toString().replace(/\/?$/, "/");
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let renewing: Promise<string> | null = null;

  /**
   * A token newer than `expired`. Set synchronously, so calls that meet the expiry together join
   * one renewal; a call that meets it after the renewal finds the new token already stored.
   */
  function renewed(expired: string): Promise<string> {
    renewing ??= (async () => {
      const current = await options.getAccessToken();
      return current !== expired ? current : await options.onExpired(expired);
    })().finally(() => {
      renewing = null;
    });
    return renewing;
  }

  async function once<T>(method: string, params: Record<string, unknown>, auth: string): Promise<RestAnswer<T>> {
    const raw = await request(
      fetchImpl,
      `${base}${encodeURIComponent(method)}`,
      {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ ...params, auth }),
      },
      timeoutMs,
    );
    if (!raw.ok) return { ok: false, error: raw.error, description: raw.description, httpStatus: raw.status };
    return restAnswerOf<T>(raw.status, raw.json);
  }

  return {
    async call<T>(method: string, params: Record<string, unknown> = {}): Promise<RestAnswer<T>> {
      let token: string;
      try {
        token = await options.getAccessToken();
      } catch (e) {
        return {
          ok: false,
          error: "NO_TOKEN",
          description: e instanceof Error ? e.message : "no access token",
          httpStatus: 0,
        };
      }
      const first = await once<T>(method, params, token);
      if (first.ok || first.error !== EXPIRED_TOKEN) return first;
      let fresh: string;
      try {
        fresh = await renewed(token);
      } catch (e) {
        const failed: RestError = {
          ok: false,
          error: "TOKEN_REFRESH_FAILED",
          description: e instanceof Error ? e.message : "the token could not be renewed",
          httpStatus: first.httpStatus,
        };
        return failed;
      }
      // Once: a second expired_token comes back as it is.
      return once<T>(method, params, fresh);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// (e) Event handler bodies and application_token
// ---------------------------------------------------------------------------------------------

function equalsConstantTime(a: string, b: string): boolean {
  // Hash first: timingSafeEqual needs equal lengths, and the length must not leak either.
  const ha = createHash("sha256").update(a, "utf8").digest();
  const hb = createHash("sha256").update(b, "utf8").digest();
  return timingSafeEqual(ha, hb);
}

/**
 * Whether an event's auth[application_token] is the one stored at install
 * (api-reference/events/safe-event-handlers.md: for ONAPPUNINSTALL it is the only proof the call
 * came from Bitrix24). Constant time; an empty or missing token never matches.
 */
export function verifyApplicationToken(expected: string | null | undefined, given: string | null | undefined): boolean {
  if (typeof expected !== "string" || typeof given !== "string" || !expected || !given) return false;
  return equalsConstantTime(expected, given);
}

export type Bitrix24EventAuth = {
  applicationToken: string;
  memberId: string;
  domain: string | null;
  clientEndpoint: string | null;
  serverEndpoint: string | null;
  /** Present for events a user caused (api-reference/events/index.md); never for ONAPPUNINSTALL. */
  accessToken: string | null;
  refreshToken: string | null;
  expiresIn: number | null;
  scope: string[];
  status: string | null;
};

export type Bitrix24Event = {
  /** Upper-case event code, e.g. ONAPPUNINSTALL. */
  event: string;
  eventHandlerId: string | null;
  /** The event's `data`, nested as the form's brackets say; values are strings. */
  data: Record<string, unknown>;
  /** Unix seconds the queue sent it. */
  ts: number;
  auth: Bitrix24EventAuth;
};

export type EventParse = { ok: true; event: Bitrix24Event } | { ok: false; problems: string[] };

const MAX_FIELDS = 500;
const MAX_DEPTH = 6;
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

type Tree = { [key: string]: Tree | string };

/**
 * PHP-style form fields (`auth[member_id]=…`, `data[FIELDS][ID]=…`) into nested objects: events
 * arrive as application/x-www-form-urlencoded with nested objects as bracketed fields
 * (api-reference/events/index.md; settings/oauth/simple-way.md). `[]` appends by index.
 */
export function parseBracketForm(
  body: string | URLSearchParams,
): { ok: true; tree: Tree } | { ok: false; problem: string } {
  const form = typeof body === "string" ? new URLSearchParams(body) : body;
  const tree: Tree = Object.create(null) as Tree;
  let count = 0;
  for (const [name, value] of form) {
    if (++count > MAX_FIELDS) return { ok: false, problem: `more than ${MAX_FIELDS} fields` };
    const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(name);
    if (!m) return { ok: false, problem: `field name ${JSON.stringify(name.slice(0, 64))} is not name[key]…` };
    const path = [m[1]!, ...[...(m[2] ?? "").matchAll(/\[([^[\]]*)\]/g)].map((x) => x[1]!)];
    if (path.length > MAX_DEPTH)
      return { ok: false, problem: `field ${JSON.stringify(name.slice(0, 64))} is nested too deep` };
    let node: Tree = tree;
    for (let i = 0; i < path.length; i++) {
      let key = path[i]!;
      if (key === "" && i > 0) key = String(Object.keys(node).length);
      if (FORBIDDEN_KEYS.has(key)) return { ok: false, problem: `field name uses the reserved key ${key}` };
      const last = i === path.length - 1;
      const existing = node[key];
      if (last) {
        if (existing !== undefined && typeof existing !== "string")
          return { ok: false, problem: `field ${key} is both a value and a group` };
        node[key] = value;
      } else {
        if (existing === undefined) node[key] = Object.create(null) as Tree;
        else if (typeof existing === "string")
          return { ok: false, problem: `field ${key} is both a value and a group` };
        node = node[key] as Tree;
      }
    }
  }
  return { ok: true, tree };
}

function toPlain(t: Tree | string): unknown {
  if (typeof t === "string") return t;
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, toPlain(v)]));
}

const eventSchema = z.object({
  event: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, "expected an event code"),
  event_handler_id: z.string().max(32).optional(),
  data: z.record(z.string(), z.unknown()).optional(),
  ts: z.string().regex(/^\d{1,12}$/, "expected unix seconds"),
  auth: z
    .object({
      application_token: z.string().min(1).max(512),
      member_id: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, "expected the portal's member id"),
      domain: z.string().max(253).optional(),
      client_endpoint: z.string().max(512).optional(),
      server_endpoint: z.string().max(512).optional(),
      access_token: z.string().max(512).optional(),
      refresh_token: z.string().max(512).optional(),
      expires_in: z
        .string()
        .regex(/^\d{1,8}$/)
        .optional(),
      scope: z.string().max(2048).optional(),
      status: z.string().max(8).optional(),
    })
    .loose(),
});

/**
 * An event handler's body: event, event_handler_id, data[…], ts and auth[…]
 * (api-reference/events/index.md "What Comes to the Handler"; ONAPPUNINSTALL:
 * api-reference/common/events/on-app-uninstall.md). Parsing checks shape only: the caller compares
 * auth[application_token] with verifyApplicationToken() before believing anything in it.
 */
export function parseEvent(body: string | URLSearchParams): EventParse {
  const form = parseBracketForm(body);
  if (!form.ok) return { ok: false, problems: [form.problem] };
  const parsed = eventSchema.safeParse(toPlain(form.tree));
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map(
        (i) => `${i.path.join(".") || "(form)"}: ${i.code === "invalid_type" ? "missing" : i.message}`,
      ),
    };
  }
  const e = parsed.data;
  const a = e.auth;
  return {
    ok: true,
    event: {
      event: e.event.toUpperCase(),
      eventHandlerId: e.event_handler_id ?? null,
      data: e.data ?? {},
      ts: Number(e.ts),
      auth: {
        applicationToken: a.application_token,
        memberId: a.member_id,
        domain: a.domain ?? null,
        clientEndpoint: a.client_endpoint ?? null,
        serverEndpoint: a.server_endpoint ?? null,
        accessToken: a.access_token ?? null,
        refreshToken: a.refresh_token ?? null,
        expiresIn: a.expires_in === undefined ? null : Number(a.expires_in),
        scope: splitScope(a.scope),
        status: a.status ?? null,
      },
    },
  };
}

/** ONAPPUNINSTALL's data: LANGUAGE_ID and CLEAN, the "clear application data" choice (on-app-uninstall.md). */
export function uninstallOf(event: Bitrix24Event): { languageId: string | null; clean: boolean } | null {
  if (event.event !== "ONAPPUNINSTALL") return null;
  const { LANGUAGE_ID, CLEAN } = event.data as { LANGUAGE_ID?: unknown; CLEAN?: unknown };
  return { languageId: typeof LANGUAGE_ID === "string" ? LANGUAGE_ID : null, clean: CLEAN === "1" };
}

/** A payload as JSON-shaped docs show it, as the form the portal actually posts (for stand-ins). */
export function toBracketForm(value: Record<string, unknown>): URLSearchParams {
  const form = new URLSearchParams();
  const walk = (prefix: string, v: unknown) => {
    if (v !== null && typeof v === "object") {
      for (const [k, inner] of Object.entries(v as Record<string, unknown>))
        walk(prefix ? `${prefix}[${k}]` : k, inner);
    } else if (v !== undefined) {
      form.append(prefix, v === null ? "" : String(v as string | number | boolean));
    }
  };
  walk("", value);
  return form;
}
