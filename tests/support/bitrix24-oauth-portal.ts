import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

// Stand-ins for Bitrix24 as an OAuth application sees it, over real HTTP on loopback:
//
// - StandInOAuthServer plays the authorization server (oauth.bitrix.info): the refresh grant on
//   /oauth/token/ (settings/oauth/auto-renewal.md) and app.info on /rest/app.info
//   (settings/oauth/simple-way.md). One server serves every portal, as the real one does.
// - StandInOAuthPortal plays one portal: REST on /rest/<method> with `auth` in the body or the
//   query (settings/oauth/index.md), app.info and event.bind/event.get/event.unbind
//   (api-reference/common/system/app-info.md, api-reference/events/event-bind.md), user.admin per
//   user token (api-reference/common/users/user-admin.md), extra methods a test adds, the install
//   call and the opening of the app's page (simple-way.md) and ONAPPUNINSTALL
//   (api-reference/common/events/on-app-uninstall.md).
//
// Each portal has its own port, hence its own DOMAIN (127.0.0.1:<port>), member_id and
// application_token, so several run at once. Answers are { result, time } or
// { error, error_description } (b24restdocs error-codes.md).
// (bitrix24/b24restdocs paths; the authorization server's app.info answer follows bitrix24/b24pysdk
// b24pysdk/api/responses/bitrix_app_info_response.py, as b24restdocs does not show it.)

type Json = Record<string, unknown>;

class Refusal extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status: number,
  ) {
    super(error);
  }
}

// b24restdocs _includes/system-errors.md
const EXPIRED = () => new Refusal("expired_token", "The access token provided has expired", 401);
const NO_AUTH = () => new Refusal("NO_AUTH_FOUND", "Wrong authorization data", 401);

type AccessGrant = { portal: StandInOAuthPortal; expiresAt: number; expired: boolean };
type RefreshGrant = { portal: StandInOAuthPortal; used: boolean };

const token = () => randomBytes(16).toString("hex"); // 32 lower-case alphanumerics, as in the docs
const time = () => ({ start: Date.now() / 1000, finish: Date.now() / 1000, duration: 0.001 });

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Query and body (form or JSON) merged; body wins, as PHP's $_REQUEST order does for POST. */
function paramsOf(req: IncomingMessage, raw: string): Json {
  return requestOf(req, raw).params;
}

function requestOf(req: IncomingMessage, raw: string): { params: Json; authIn: "body" | "query" | "none" } {
  const query: Json = {};
  for (const [k, v] of new URL(req.url ?? "/", "http://x").searchParams) query[k] = v;
  let body: Json = {};
  if (raw && /json/i.test(req.headers["content-type"] ?? "")) body = JSON.parse(raw) as Json;
  else if (raw) for (const [k, v] of new URLSearchParams(raw)) body[k] = v;
  const authIn = "auth" in body ? "body" : "auth" in query ? "query" : "none";
  return { params: { ...query, ...body }, authIn };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

async function close(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export class StandInOAuthServer {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Milliseconds each token answer waits: widens the window in which calls can race. */
  tokenDelayMs = 0;
  /** Access token lifetime (settings/oauth/index.md: one hour). */
  readonly accessTtlSeconds = 3600;
  private server: Server | undefined;
  private port = 0;
  readonly access = new Map<string, AccessGrant>();
  readonly refresh = new Map<string, RefreshGrant>();
  /** Every call of /oauth/token/, answered or refused. */
  readonly tokenCalls: { params: Json; status: number }[] = [];

  constructor(options: { clientId?: string; clientSecret?: string } = {}) {
    this.clientId = options.clientId ?? "app.5f0c3e7f5c3f89.12345678";
    this.clientSecret = options.clientSecret ?? "LJSl0lNB76B5YY6u0YVQ3AW0DrVADcRTwVr4y99PXU1BWQybWK";
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.port = await listen(this.server);
    return this;
  }

  stop(): Promise<void> {
    return close(this.server);
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** BITRIX24_OAUTH_URL for this server. */
  get tokenUrl(): string {
    return `${this.origin}/oauth/token/`;
  }

  /** SERVER_ENDPOINT / server_endpoint. */
  get serverEndpoint(): string {
    return `${this.origin}/rest/`;
  }

  /** Successful refresh grants for a portal. */
  refreshCount(portal: StandInOAuthPortal): number {
    return this.tokenCalls.filter((c) => c.status === 200 && c.params.member_id === portal.memberId).length;
  }

  /** A new pair for a portal (what the install call carries). */
  issue(portal: StandInOAuthPortal): { accessToken: string; refreshToken: string } {
    const accessToken = token();
    const refreshToken = token();
    this.access.set(accessToken, { portal, expiresAt: Date.now() + this.accessTtlSeconds * 1000, expired: false });
    this.refresh.set(refreshToken, { portal, used: false });
    return { accessToken, refreshToken };
  }

  /** The grant behind an access token, or the documented refusal. */
  grantOf(accessToken: unknown): AccessGrant {
    const grant = typeof accessToken === "string" ? this.access.get(accessToken) : undefined;
    if (!grant || grant.portal.uninstalled) throw NO_AUTH();
    if (grant.expired || grant.expiresAt <= Date.now()) throw EXPIRED();
    return grant;
  }

  /** Revokes every token of a portal (an uninstall revokes the app's access: on-app-uninstall.md). */
  revoke(portal: StandInOAuthPortal): void {
    for (const [k, g] of this.access) if (g.portal === portal) this.access.delete(k);
    for (const [k, g] of this.refresh) if (g.portal === portal) this.refresh.delete(k);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = new URL(req.url ?? "/", "http://x").pathname;
    let params: Json;
    try {
      params = paramsOf(req, raw);
    } catch {
      return send(res, 400, { error: "invalid_request", error_description: "Invalid body" });
    }
    if (path === "/oauth/token/" || path === "/oauth/token") {
      if (this.tokenDelayMs) await new Promise((r) => setTimeout(r, this.tokenDelayMs));
      return this.token(params, res);
    }
    if (path === "/rest/app.info" || path === "/rest/app.info/" || path === "/rest/app.info.json") {
      try {
        const grant = this.grantOf(params.auth);
        return send(res, 200, { result: grant.portal.serverAppInfo(grant), time: time() });
      } catch (e) {
        if (e instanceof Refusal) return send(res, e.status, { error: e.error, error_description: e.description });
        throw e;
      }
    }
    send(res, 404, { error: "ERROR_METHOD_NOT_FOUND", error_description: "Method not found!" });
  }

  /**
   * The refresh grant (settings/oauth/auto-renewal.md). Error codes from settings/oauth/error-codes.md;
   * their HTTP statuses are not documented: 401 for invalid_client and 400 otherwise, as RFC 6749 §5.2.
   * A refresh token works once: the answer's refresh_token replaces it ("Retain it instead of the previous one").
   */
  private token(params: Json, res: ServerResponse): void {
    const reply = (status: number, body: Json) => {
      const grant = typeof params.refresh_token === "string" ? this.refresh.get(params.refresh_token) : undefined;
      this.tokenCalls.push({ params: { ...params, member_id: grant?.portal.memberId }, status });
      send(res, status, body);
    };
    if (params.grant_type !== "refresh_token") {
      return reply(400, { error: "invalid_request", error_description: "Unsupported grant_type" });
    }
    if (params.client_id !== this.clientId || params.client_secret !== this.clientSecret) {
      return reply(401, { error: "invalid_client", error_description: "Invalid client data" });
    }
    const refreshToken = typeof params.refresh_token === "string" ? params.refresh_token : "";
    const grant = this.refresh.get(refreshToken);
    if (!grant || grant.used || grant.portal.uninstalled) {
      return reply(400, { error: "invalid_grant", error_description: "Invalid refresh token" });
    }
    grant.used = true;
    const portal = grant.portal;
    const pair = this.issue(portal);
    reply(200, {
      access_token: pair.accessToken,
      client_endpoint: portal.restBase,
      domain: new URL(this.origin).host,
      expires: Math.floor(Date.now() / 1000) + this.accessTtlSeconds,
      expires_in: this.accessTtlSeconds,
      member_id: portal.memberId,
      refresh_token: pair.refreshToken,
      scope: portal.scope.join(","),
      server_endpoint: this.serverEndpoint,
      status: portal.status,
      user_id: portal.userId,
    });
  }
}

export type BoundEvent = { event: string; handler: string; auth_type: number; event_type: "online" | "offline" };

export class StandInOAuthPortal {
  readonly memberId: string;
  readonly applicationToken: string;
  readonly scope: string[];
  readonly status: "L" | "F" | "D" | "T" | "P";
  readonly userId = 1;
  readonly appId = 17;
  uninstalled = false;
  private server: Server | undefined;
  private port = 0;
  /** Every REST call: method, parameters without `auth`, and how `auth` arrived. */
  readonly calls: { method: string; params: Json; authIn: "body" | "query" | "none" }[] = [];
  readonly events: BoundEvent[] = [];
  /**
   * Users' access tokens that user.admin answers true for (api-reference/common/users/user-admin.md:
   * in the cloud, a user who may change the portal's settings). The app's install token is the
   * installing administrator's, so install() adds it.
   */
  readonly adminTokens = new Set<string>();
  private readonly methods = new Map<string, (params: Json) => unknown>();
  /** Methods that answer late (a slow portal), in ms. */
  readonly delays = new Map<string, number>();

  constructor(
    readonly oauth: StandInOAuthServer,
    options: {
      memberId?: string;
      applicationToken?: string;
      scope?: string[];
      status?: "L" | "F" | "D" | "T" | "P";
    } = {},
  ) {
    this.memberId = options.memberId ?? randomBytes(16).toString("hex");
    this.applicationToken = options.applicationToken ?? randomBytes(16).toString("hex");
    this.scope = options.scope ?? ["sale", "pay_system", "basic"];
    this.status = options.status ?? "F";
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.port = await listen(this.server);
    return this;
  }

  stop(): Promise<void> {
    return close(this.server);
  }

  /** DOMAIN: the portal's host and port. */
  get domain(): string {
    return `127.0.0.1:${this.port}`;
  }

  get restBase(): string {
    return `http://${this.domain}/rest/`;
  }

  /** Adds (or replaces) a REST method; throw `restError()` from it for a documented error. */
  method(name: string, fn: (params: Json) => unknown): this {
    this.methods.set(name.toLowerCase(), fn);
    return this;
  }

  callsOf(method: string): Json[] {
    return this.calls.filter((c) => c.method === method.toLowerCase()).map((c) => c.params);
  }

  /** The next call with any current access token of this portal answers 401 expired_token. */
  expireTokens(): void {
    for (const grant of this.oauth.access.values()) if (grant.portal === this) grant.expired = true;
  }

  /** The authorization server's app.info answer (shape: b24pysdk bitrix_app_info_response.py). */
  serverAppInfo(grant: AccessGrant): Json {
    return {
      client_id: this.oauth.clientId,
      scope: this.scope.join(","),
      expires: new Date(grant.expiresAt).toISOString(),
      install: {
        installed: true,
        version: "1",
        status: this.status,
        scope: this.scope.join(","),
        domain: this.domain,
        uri: `http://${this.domain}`,
        client_endpoint: this.restBase,
        member_id: this.memberId,
        member_type: "user",
      },
      user_id: String(this.userId),
    };
  }

  /**
   * The install call (settings/oauth/simple-way.md; the installer gets "the same data as a regular
   * application page"): POST to the app's URL, DOMAIN/PROTOCOL/LANG/APP_SID in the query string and
   * the rest as a form. `override` replaces fields (a forged or foreign call).
   */
  async install(
    appUrl: string,
    options: { lang?: string; placement?: string; override?: { query?: Json; body?: Json } } = {},
  ): Promise<{
    status: number;
    text: string;
    headers: Headers;
    query: URLSearchParams;
    body: URLSearchParams;
    tokens: { accessToken: string; refreshToken: string };
  }> {
    const tokens = this.oauth.issue(this);
    this.adminTokens.add(tokens.accessToken);
    const url = new URL(appUrl);
    const query = new URLSearchParams({
      DOMAIN: this.domain,
      PROTOCOL: "0", // the stand-in speaks plain http on loopback
      LANG: options.lang ?? "ru",
      APP_SID: randomBytes(16).toString("hex"),
    });
    for (const [k, v] of Object.entries(options.override?.query ?? {})) query.set(k, String(v as string));
    for (const [k, v] of query) url.searchParams.set(k, v);
    const body = new URLSearchParams({
      AUTH_ID: tokens.accessToken,
      AUTH_EXPIRES: String(this.oauth.accessTtlSeconds),
      REFRESH_ID: tokens.refreshToken,
      SERVER_ENDPOINT: this.oauth.serverEndpoint,
      APPLICATION_TOKEN: this.applicationToken,
      APPLICATION_SCOPE: this.scope.join(","),
      member_id: this.memberId,
      status: this.status,
      PLACEMENT: options.placement ?? "DEFAULT",
    });
    for (const [k, v] of Object.entries(options.override?.body ?? {})) body.set(k, String(v as string));
    const res = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString(),
      redirect: "manual",
    });
    return { status: res.status, text: await res.text(), headers: res.headers, query, body, tokens };
  }

  /**
   * Opens the app's page as the portal does for a user (settings/oauth/simple-way.md: "the same data
   * as a regular application page"): a POST to `appUrl` with DOMAIN, PROTOCOL, LANG, APP_SID in the
   * query and AUTH_ID (a fresh token of that user, an administrator or not), AUTH_EXPIRES,
   * REFRESH_ID, member_id, status, PLACEMENT and PLACEMENT_OPTIONS as a form. `override` replaces
   * fields (another portal's token, a forged member_id).
   */
  async openApp(
    appUrl: string,
    options: { admin?: boolean; lang?: string; override?: { query?: Json; body?: Json } } = {},
  ): Promise<{ status: number; text: string; headers: Headers; authId: string }> {
    const tokens = this.oauth.issue(this);
    if (options.admin ?? true) this.adminTokens.add(tokens.accessToken);
    const url = new URL(appUrl);
    const query = new URLSearchParams({
      DOMAIN: this.domain,
      PROTOCOL: "0",
      LANG: options.lang ?? "ru",
      APP_SID: randomBytes(16).toString("hex"),
    });
    for (const [k, v] of Object.entries(options.override?.query ?? {})) query.set(k, String(v as string));
    for (const [k, v] of query) url.searchParams.set(k, v);
    const body = new URLSearchParams({
      AUTH_ID: tokens.accessToken,
      AUTH_EXPIRES: String(this.oauth.accessTtlSeconds),
      REFRESH_ID: tokens.refreshToken,
      member_id: this.memberId,
      status: this.status,
      PLACEMENT: "DEFAULT",
      PLACEMENT_OPTIONS: "{}",
    });
    for (const [k, v] of Object.entries(options.override?.body ?? {})) body.set(k, String(v as string));
    const res = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString(),
      redirect: "manual",
    });
    return { status: res.status, text: await res.text(), headers: res.headers, authId: body.get("AUTH_ID") ?? "" };
  }

  /**
   * Uninstalls the app: revokes its tokens and posts ONAPPUNINSTALL, form-encoded, to every handler
   * bound to it (api-reference/common/events/on-app-uninstall.md; api-reference/events/index.md:
   * application/x-www-form-urlencoded). No access or refresh token is sent. `applicationToken`
   * replaces the real one (a forged call).
   */
  async uninstall(
    options: { clean?: boolean; applicationToken?: string } = {},
  ): Promise<{ handler: string; status: number }[]> {
    this.uninstalled = true;
    this.oauth.revoke(this);
    const out: { handler: string; status: number }[] = [];
    for (const bound of this.events.filter((e) => e.event === "ONAPPUNINSTALL")) {
      const form = new URLSearchParams({
        event: "ONAPPUNINSTALL",
        "data[LANGUAGE_ID]": "ru",
        "data[CLEAN]": options.clean ? "1" : "0",
        ts: String(Math.floor(Date.now() / 1000)),
        "auth[domain]": this.domain,
        "auth[server_endpoint]": this.oauth.serverEndpoint,
        "auth[client_endpoint]": this.restBase,
        "auth[member_id]": this.memberId,
        "auth[application_token]": options.applicationToken ?? this.applicationToken,
      });
      const res = await fetch(bound.handler, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: form.toString(),
        redirect: "manual",
      });
      await res.text();
      out.push({ handler: bound.handler, status: res.status });
    }
    this.events.length = 0; // an app's handlers go with it (event-bind.md)
    return out;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const m = /^\/rest\/([a-z0-9_.]+?)(?:\.json)?\/?$/i.exec(new URL(req.url ?? "/", "http://x").pathname);
    if (!m) return send(res, 404, { error: "ERROR_METHOD_NOT_FOUND", error_description: "Method not found!" });
    const method = (m[1] ?? "").toLowerCase();
    let parsed: ReturnType<typeof requestOf>;
    try {
      parsed = requestOf(req, raw);
    } catch {
      return send(res, 400, { error: "INVALID_REQUEST", error_description: "Invalid JSON" });
    }
    const { auth, ...rest } = parsed.params;
    this.calls.push({ method, params: rest, authIn: parsed.authIn });
    const delay = this.delays.get(method);
    if (delay) await new Promise((r) => setTimeout(r, delay));
    try {
      const grant = this.oauth.grantOf(auth);
      // A token of another portal is no authorization here.
      if (grant.portal !== this) throw NO_AUTH();
      // user.admin answers for the user whose token it is (user-admin.md: no parameters).
      if (method === "user.admin" && !this.methods.has(method)) {
        return send(res, 200, { result: this.adminTokens.has(auth as string), time: time() });
      }
      send(res, 200, { result: this.dispatch(method, rest), time: time() });
    } catch (e) {
      if (e instanceof Refusal) return send(res, e.status, { error: e.error, error_description: e.description });
      send(res, 500, { error: "INTERNAL_SERVER_ERROR", error_description: "Internal server error" });
    }
  }

  private dispatch(method: string, p: Json): unknown {
    const custom = this.methods.get(method);
    if (custom) return custom(p);
    switch (method) {
      // The portal's own app.info: no client id in it (app-info.md; CRestProvider::appInfo).
      case "app.info":
        return {
          ID: this.appId,
          CODE: "kaspi.checkout",
          VERSION: 1,
          STATUS: this.status,
          INSTALLED: true,
          PAYMENT_EXPIRED: "N",
          DAYS: null,
          LANGUAGE_ID: "ru",
          LICENSE: "kz_pro",
        };
      case "event.bind": {
        const event = String((p.event as string | undefined) ?? "").toUpperCase();
        const handler = String((p.handler as string | undefined) ?? "");
        if (!event || !handler)
          throw new Refusal("ERROR_REQUIRED_PARAMETERS_MISSING", "Required parameters missing", 400);
        if (this.events.some((e) => e.event === event && e.handler === handler)) {
          throw new Refusal("ERROR_HANDLER_ALREADY_EXIST", "Handler already exists!", 400);
        }
        this.events.push({
          event,
          handler,
          auth_type: Number(p.auth_type ?? 0),
          event_type: p.event_type === "offline" ? "offline" : "online",
        });
        return true;
      }
      case "event.get":
        return this.events.map((e) => ({
          event: e.event,
          handler: e.handler,
          auth_type: String(e.auth_type),
          offline: e.event_type === "offline" ? 1 : 0,
        }));
      case "event.unbind": {
        const event = String((p.event as string | undefined) ?? "").toUpperCase();
        const before = this.events.length;
        for (let i = this.events.length - 1; i >= 0; i--) {
          const e = this.events[i]!;
          if (e.event === event && (p.handler === undefined || e.handler === p.handler)) this.events.splice(i, 1);
        }
        return { count: before - this.events.length };
      }
      default:
        throw new Refusal("ERROR_METHOD_NOT_FOUND", "Method not found!", 404);
    }
  }
}

/** For methods added with `method()`: answer a documented error. */
export function restError(error: string, description: string, status = 400): Error {
  return new Refusal(error, description, status);
}

// ---------------------------------------------------------------------------------------------
// The pay system methods, as tests/bitrix24/rest-stand-in.ts models them for the webhook portal
// (bitrix24/b24restdocs api-reference/pay-system/sale-pay-system-handler-add.md, -handler-list,
// -handler-update, sale-pay-system-add.md, sale-pay-system-list.md, sale-pay-system-pay-payment.md;
// api-reference/sale/payment/sale-payment-get.md, sale-payment-update.md; person types with an
// ENTITY_REGISTRY_TYPE other than ORDER refuse an ORDER pay system, avshatalov48/bitrix-core-business
// modules/sale/lib/paysystem/restservice.php). Answered only with a valid token of this portal.
// ---------------------------------------------------------------------------------------------

export type SalePayment = {
  id: number;
  orderId: number;
  accountNumber: string;
  sum: number;
  currency: string;
  paid: "Y" | "N";
  paySystemId: number;
  fields: Json;
};

export type SaleState = {
  handlers: { ID: string; NAME: string; CODE: string; SETTINGS: Json }[];
  paySystems: { ID: string; NAME: string; PERSON_TYPE_ID: string; ACTION_FILE: string; ENTITY_REGISTRY_TYPE: string }[];
  personTypes: { id: string; name: string; active: string; entityRegistryType?: string }[];
  payments: Map<number, SalePayment>;
  addPayment(p: { id: number; sum: number; paySystemId: number }): SalePayment;
};

const str = (v: unknown): string => (typeof v === "string" ? v : typeof v === "number" ? String(v) : "");
const param = (p: Json, name: string): unknown => {
  if (name in p) return p[name];
  const key = Object.keys(p).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : p[key];
};
const check = (description: string) => new Refusal("ERROR_CHECK_FAILURE", description, 400);

/** Adds sale.paysystem.* , sale.persontype.list and sale.payment.* to a portal; returns their state. */
export function withSaleMethods(portal: StandInOAuthPortal): SaleState {
  let nextId = 100;
  const state: SaleState = {
    handlers: [],
    paySystems: [],
    personTypes: [
      { id: "3", name: "Контакт", active: "Y" },
      { id: "4", name: "Компания", active: "Y" },
      { id: "5", name: "Счёт", active: "Y", entityRegistryType: "CRM_INVOICE" },
    ],
    payments: new Map(),
    addPayment(p) {
      const payment: SalePayment = {
        id: p.id,
        orderId: p.id + 1000,
        accountNumber: `${p.id + 1000}/1`,
        sum: p.sum,
        currency: "KZT",
        paid: "N",
        paySystemId: p.paySystemId,
        fields: {},
      };
      state.payments.set(p.id, payment);
      return payment;
    },
  };
  const paymentOf = (id: unknown): SalePayment => {
    const payment = state.payments.get(Number(id));
    if (!payment) throw check(`Payment with id ${str(id)} not found`);
    return payment;
  };
  const view = (p: SalePayment): Json => ({
    id: String(p.id),
    orderId: String(p.orderId),
    accountNumber: p.accountNumber,
    paid: p.paid,
    paySystemId: String(p.paySystemId),
    sum: p.sum.toFixed(4),
    currency: p.currency,
    ...p.fields,
  });
  portal
    .method("sale.paysystem.handler.list", () => state.handlers)
    .method("sale.paysystem.handler.add", (p) => {
      const code = str(param(p, "CODE"));
      const settings = param(p, "SETTINGS") as Json | undefined;
      if (!str(param(p, "NAME")) || !code) throw check("Empty fields: NAME, CODE");
      if (!settings || typeof settings.CODES !== "object") throw check("Empty field SETTINGS[CODES]");
      if (!settings.FORM_DATA && !settings.CHECKOUT_DATA && !settings.IFRAME_DATA) {
        throw check("One of FORM_DATA, CHECKOUT_DATA, IFRAME_DATA is required");
      }
      if (state.handlers.some((h) => h.CODE === code)) throw check(`Handler ${code} already exists!`);
      const id = String(nextId++);
      state.handlers.push({ ID: id, NAME: str(param(p, "NAME")), CODE: code, SETTINGS: settings });
      return id;
    })
    .method("sale.paysystem.handler.update", (p) => {
      const handler = state.handlers.find((h) => h.ID === str(param(p, "ID")));
      if (!handler) throw new Refusal("ERROR_HANDLER_NOT_FOUND", "Handler not found", 400);
      const fields = (param(p, "FIELDS") ?? {}) as Json;
      if (fields.SETTINGS) handler.SETTINGS = fields.SETTINGS as Json;
      return true;
    })
    .method("sale.persontype.list", () => ({ personTypes: state.personTypes }))
    .method("sale.paysystem.list", (p) => {
      const filter = (param(p, "FILTER") ?? {}) as Json;
      return state.paySystems.filter(
        (s) =>
          (filter.ACTION_FILE === undefined || s.ACTION_FILE === filter.ACTION_FILE) &&
          (filter.ID === undefined || s.ID === str(filter.ID)),
      );
    })
    .method("sale.paysystem.add", (p) => {
      const handlerCode = str(param(p, "BX_REST_HANDLER"));
      const personTypeId = str(param(p, "PERSON_TYPE_ID"));
      if (!state.handlers.some((h) => h.CODE === handlerCode)) throw check(`Handler ${handlerCode} not found`);
      const personType = state.personTypes.find((t) => t.id === personTypeId);
      if (!personType) throw check(`Person type ${personTypeId} not found`);
      const registry = str(param(p, "ENTITY_REGISTRY_TYPE")) || "ORDER";
      if ((personType.entityRegistryType ?? "ORDER") !== registry) {
        throw check(`Person type ${personTypeId} is not of registry ${registry}`);
      }
      const id = String(nextId++);
      state.paySystems.push({
        ID: id,
        NAME: str(param(p, "NAME")),
        PERSON_TYPE_ID: personTypeId,
        ACTION_FILE: handlerCode,
        ENTITY_REGISTRY_TYPE: registry,
      });
      return id;
    })
    .method("sale.payment.get", (p) => ({ payment: view(paymentOf(param(p, "id"))) }))
    .method("sale.payment.update", (p) => {
      const payment = paymentOf(param(p, "id"));
      const fields = (param(p, "fields") ?? {}) as Json;
      if (fields.paySystemId === undefined || fields.paySystemId === "") throw check("Required fields: paySystemId");
      const { paySystemId: _ps, ...rest } = fields;
      payment.fields = { ...payment.fields, ...rest };
      return { payment: view(payment) };
    })
    .method("sale.paysystem.pay.payment", (p) => {
      const payment = paymentOf(param(p, "PAYMENT_ID"));
      const paySystemId = str(param(p, "PAY_SYSTEM_ID"));
      if (!state.paySystems.some((s) => s.ID === paySystemId)) throw check(`Pay system ${paySystemId} not found`);
      if (String(payment.paySystemId) !== paySystemId) throw check("Payment does not belong to the pay system");
      payment.paid = "Y";
      for (const key of ["PS_INVOICE_ID", "PS_SUM", "PS_CURRENCY", "PS_STATUS_CODE"]) {
        const value = param(p, key);
        if (value !== undefined && value !== null && value !== "") payment.fields[key] = value;
      }
      return true;
    });
  return state;
}
