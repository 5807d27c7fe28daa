import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StandInOAuthPortal, StandInOAuthServer } from "@/tests/support/bitrix24-oauth-portal";
import {
  createOAuthRestClient,
  oauthServerOf,
  parseBracketForm,
  parseEvent,
  parseInstallCall,
  refreshTokens,
  toBracketForm,
  uninstallOf,
  verifyApplicationToken,
  verifyInstall,
  type InstallRequest,
} from "./oauth";

// The install call exactly as bitrix24/b24restdocs settings/oauth/simple-way.md prints it.
const DOC_QUERY = {
  DOMAIN: "portal.bitrix24.com",
  PROTOCOL: "1",
  LANG: "en",
  APP_SID: "dd8cec11e347088fe87c44870a9f1dba",
};
const DOC_BODY = {
  AUTH_ID: "ahodg4h37n89vo17gbkgq0x1l825nnb5",
  AUTH_EXPIRES: "3600",
  REFRESH_ID: "2lg086mxijlpvwh0h7r4nl19udm4try5",
  SERVER_ENDPOINT: "https://oauth.bitrix.info/rest/",
  APPLICATION_TOKEN: "ec1b2074a9d3f5c81b6e40d27a95cf38",
  APPLICATION_SCOPE: "crm,entity,im,task",
  member_id: "a223c6b3710f85df22e9377d6c4f7553",
  status: "F",
  PLACEMENT: "DEFAULT",
};
// ONAPPUNINSTALL as api-reference/common/events/on-app-uninstall.md prints it (JSON of a form post).
const DOC_UNINSTALL = {
  event: "ONAPPUNINSTALL",
  data: { LANGUAGE_ID: "de", CLEAN: 1 },
  ts: "1466439714",
  auth: {
    domain: "some-domain.bitrix24.com",
    server_endpoint: "https://oauth.bitrix.info/rest/",
    client_endpoint: "https://some-domain.bitrix24.com/rest/",
    member_id: "a223c6b3710f85df22e9377d6c4f7553",
    application_token: "51856fefc120afa4b628cc82d3935cce",
  },
};

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

describe("parseInstallCall", () => {
  it("reads the documented call: query + form body; REST base from PROTOCOL and DOMAIN", () => {
    const r = parseInstallCall({ query: new URLSearchParams(DOC_QUERY), body: form(DOC_BODY) });
    expect(r).toEqual({
      ok: true,
      install: {
        domain: "portal.bitrix24.com",
        protocol: "https",
        restBase: "https://portal.bitrix24.com/rest/",
        lang: "en",
        appSid: "dd8cec11e347088fe87c44870a9f1dba",
        authId: DOC_BODY.AUTH_ID,
        authExpiresSeconds: 3600,
        refreshId: DOC_BODY.REFRESH_ID,
        serverEndpoint: "https://oauth.bitrix.info/rest/",
        applicationToken: DOC_BODY.APPLICATION_TOKEN,
        scope: ["crm", "entity", "im", "task"],
        memberId: DOC_BODY.member_id,
        status: "F",
        placement: "DEFAULT",
      } satisfies InstallRequest,
    });
  });

  it("lists every problem, naming the field and where it was expected", () => {
    const { AUTH_ID: _a, member_id: _m, ...body } = DOC_BODY;
    const r = parseInstallCall({
      query: { PROTOCOL: "2" },
      body: form({ ...body, AUTH_EXPIRES: "soon", status: "X" }),
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual(
      expect.arrayContaining([
        "DOMAIN (query): missing",
        expect.stringMatching(/^PROTOCOL \(query\): /),
        "AUTH_ID (body): missing",
        "member_id (body): missing",
        expect.stringMatching(/^AUTH_EXPIRES \(body\): /),
        expect.stringMatching(/^status \(body\): /),
      ]),
    );
  });

  it("fields in the wrong place do not count (DOMAIN only from the query string)", () => {
    const { DOMAIN: _d, ...query } = DOC_QUERY;
    const r = parseInstallCall({ query, body: form({ ...DOC_BODY, DOMAIN: "evil.example" }) });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems).toContain("DOMAIN (query): missing");
  });

  it("refuses hosts that are not host names (paths, credentials, spaces)", () => {
    for (const DOMAIN of ["evil.example/x", "user@evil.example", "a b", "evil.example?x=1", ""]) {
      expect(parseInstallCall({ query: { ...DOC_QUERY, DOMAIN }, body: form(DOC_BODY) }).ok).toBe(false);
    }
  });

  it("plain http is refused, except to a loopback host with allowLoopbackHttp", () => {
    const http = { ...DOC_QUERY, PROTOCOL: "0" };
    const remote = parseInstallCall({ query: http, body: form(DOC_BODY) }, { allowLoopbackHttp: true });
    expect(remote.ok).toBe(false);
    if (!remote.ok) expect(remote.problems.join()).toMatch(/plain http is refused/);
    const loop = { ...http, DOMAIN: "127.0.0.1:8080" };
    expect(parseInstallCall({ query: loop, body: form(DOC_BODY) }).ok).toBe(false);
    const ok = parseInstallCall({ query: loop, body: form(DOC_BODY) }, { allowLoopbackHttp: true });
    expect(ok.ok && ok.install.restBase).toBe("http://127.0.0.1:8080/rest/");
    expect(
      parseInstallCall({ query: { ...loop, DOMAIN: "localhost" }, body: form(DOC_BODY) }, { allowLoopbackHttp: true })
        .ok,
    ).toBe(true);
    // SERVER_ENDPOINT over http to a remote host is refused too.
    const bad = parseInstallCall({
      query: DOC_QUERY,
      body: form({ ...DOC_BODY, SERVER_ENDPOINT: "http://oauth.example/rest/" }),
    });
    expect(bad.ok).toBe(false);
  });
});

describe("events and application_token", () => {
  it("parses ONAPPUNINSTALL's documented payload from its form encoding", () => {
    const body = toBracketForm(DOC_UNINSTALL).toString();
    expect(body).toContain("auth%5Bapplication_token%5D=51856fefc120afa4b628cc82d3935cce");
    const r = parseEvent(body);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.event).toMatchObject({
      event: "ONAPPUNINSTALL",
      ts: 1466439714,
      data: { LANGUAGE_ID: "de", CLEAN: "1" },
      auth: {
        applicationToken: "51856fefc120afa4b628cc82d3935cce",
        memberId: "a223c6b3710f85df22e9377d6c4f7553",
        domain: "some-domain.bitrix24.com",
        clientEndpoint: "https://some-domain.bitrix24.com/rest/",
        accessToken: null,
        refreshToken: null,
      },
    });
    expect(uninstallOf(r.event)).toEqual({ languageId: "de", clean: true });
    expect(verifyApplicationToken("51856fefc120afa4b628cc82d3935cce", r.event.auth.applicationToken)).toBe(true);
  });

  it("verifyApplicationToken: only the same non-empty token matches", () => {
    const t = "51856fefc120afa4b628cc82d3935cce";
    expect(verifyApplicationToken(t, t)).toBe(true);
    expect(verifyApplicationToken(t, t.slice(0, -1) + "f")).toBe(false);
    expect(verifyApplicationToken(t, t.slice(0, 8))).toBe(false);
    expect(verifyApplicationToken(t, `${t}0`)).toBe(false);
    expect(verifyApplicationToken(t, "")).toBe(false);
    expect(verifyApplicationToken(t, undefined)).toBe(false);
    expect(verifyApplicationToken("", "")).toBe(false);
    expect(verifyApplicationToken(null, t)).toBe(false);
  });

  it("refuses bodies without the token or member id, and hostile field names", () => {
    expect(parseEvent("event=ONAPPUNINSTALL&ts=1&auth[member_id]=abc").ok).toBe(false);
    expect(parseEvent("event=ONAPPUNINSTALL&ts=1&auth[application_token]=x").ok).toBe(false);
    expect(parseBracketForm("auth[__proto__][x]=1").ok).toBe(false);
    expect(parseBracketForm("data[constructor]=1").ok).toBe(false);
    expect(parseBracketForm("a[b][c][d][e][f][g]=1").ok).toBe(false);
    expect(parseBracketForm("a=1&a[b]=2").ok).toBe(false);
    expect(parseBracketForm(Array.from({ length: 501 }, (_, i) => `f${i}=1`).join("&")).ok).toBe(false);
    const nested = parseBracketForm("data[FIELDS][ID]=7405&data[LIST][]=a&data[LIST][]=b");
    expect(nested.ok && JSON.parse(JSON.stringify(nested.tree))).toEqual({
      data: { FIELDS: { ID: "7405" }, LIST: { "0": "a", "1": "b" } },
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Against the stand-in portal and authorization server, over real HTTP
// ---------------------------------------------------------------------------------------------

type AppServer = { server: Server; url: string; posts: { path: string; query: URLSearchParams; body: string }[] };

async function appServer(): Promise<AppServer> {
  const posts: AppServer["posts"] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://x");
      posts.push({ path: url.pathname, query: url.searchParams, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200, { "Content-Type": "text/html" }).end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, posts };
}

describe("OAuth flows against the stand-in", () => {
  const oauth = new StandInOAuthServer();
  const portalA = new StandInOAuthPortal(oauth);
  const portalB = new StandInOAuthPortal(oauth);
  let app: AppServer;

  beforeAll(async () => {
    await oauth.start();
    await portalA.start();
    await portalB.start();
    app = await appServer();
  });
  afterAll(async () => {
    await Promise.all([oauth.stop(), portalA.stop(), portalB.stop()]);
    app.server.closeAllConnections();
    await new Promise<void>((r) => app.server.close(() => r()));
  });

  /** The portal installs; the app parses the call it received. */
  async function installOn(portal: StandInOAuthPortal): Promise<InstallRequest> {
    await portal.install(`${app.url}/bitrix24/install`);
    const post = app.posts.at(-1)!;
    const parsed = parseInstallCall({ query: post.query, body: post.body }, { allowLoopbackHttp: true });
    if (!parsed.ok) throw new Error(parsed.problems.join("; "));
    return parsed.install;
  }

  /** A store's token pair as the app would keep it, with a client on it. */
  function storeOf(install: InstallRequest) {
    const state = { accessToken: install.authId, refreshToken: install.refreshId, refreshes: 0 };
    const client = createOAuthRestClient({
      restBase: install.restBase,
      getAccessToken: () => state.accessToken,
      onExpired: async () => {
        state.refreshes++;
        const r = await refreshTokens({
          oauthUrl: oauth.tokenUrl,
          clientId: oauth.clientId,
          clientSecret: oauth.clientSecret,
          refreshToken: state.refreshToken,
          memberId: install.memberId,
        });
        if (!r.ok) throw new Error(`${r.error}: ${r.description}`);
        state.accessToken = r.tokens.accessToken;
        state.refreshToken = r.tokens.refreshToken;
        return r.tokens.accessToken;
      },
    });
    return { state, client };
  }

  it("install: the documented form reaches the app and parses, with the portal's identity", async () => {
    const install = await installOn(portalA);
    const post = app.posts.at(-1)!;
    expect(post.path).toBe("/bitrix24/install");
    expect(install).toMatchObject({
      domain: portalA.domain,
      restBase: portalA.restBase,
      memberId: portalA.memberId,
      applicationToken: portalA.applicationToken,
      serverEndpoint: oauth.serverEndpoint,
      placement: "DEFAULT",
      status: "F",
    });
  });

  it("verifyInstall on the authorization server: our client id and the portal's member id are accepted", async () => {
    const install = await installOn(portalA);
    const r = await verifyInstall({
      oauthServer: oauthServerOf(oauth.tokenUrl),
      authId: install.authId,
      clientId: oauth.clientId,
      memberId: install.memberId,
      domain: install.domain,
    });
    expect(r).toMatchObject({
      ok: true,
      app: { clientId: oauth.clientId, memberId: portalA.memberId, clientEndpoint: portalA.restBase, installed: true },
    });
  });

  it("verifyInstall refuses another app's token, another portal's member id, a bad token, and a portal answer without client id", async () => {
    const install = await installOn(portalA);
    const server = oauthServerOf(oauth.tokenUrl);
    const wrongClient = await verifyInstall({
      oauthServer: server,
      authId: install.authId,
      clientId: "app.someone.else",
    });
    expect(wrongClient).toMatchObject({ ok: false, reason: "CLIENT_MISMATCH" });

    // A real token of portal A posted as portal B's install.
    const foreign = await verifyInstall({
      oauthServer: server,
      authId: install.authId,
      clientId: oauth.clientId,
      memberId: portalB.memberId,
    });
    expect(foreign).toMatchObject({ ok: false, reason: "MEMBER_MISMATCH" });

    const forged = await verifyInstall({
      oauthServer: server,
      authId: "0123456789abcdef0123456789abcdef",
      clientId: oauth.clientId,
    });
    expect(forged).toMatchObject({ ok: false, reason: "REST_ERROR", httpStatus: 401 });
    expect(forged.ok || forged.description).toMatch(/NO_AUTH_FOUND/);

    // The portal's own app.info (api-reference/common/system/app-info.md) names no client id.
    const onPortal = await verifyInstall({
      restBase: install.restBase,
      authId: install.authId,
      clientId: oauth.clientId,
    });
    expect(onPortal).toMatchObject({ ok: false, reason: "NO_CLIENT_ID" });
    expect(portalA.calls.at(-1)).toMatchObject({ method: "app.info", authIn: "body" });
  });

  it("refresh: the documented answer is parsed; the new refresh token replaces the old, which is then refused", async () => {
    const install = await installOn(portalA);
    const before = oauth.refreshCount(portalA);
    const r = await refreshTokens({
      oauthUrl: oauth.tokenUrl,
      clientId: oauth.clientId,
      clientSecret: oauth.clientSecret,
      refreshToken: install.refreshId,
      memberId: install.memberId,
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.tokens).toMatchObject({
      memberId: portalA.memberId,
      clientEndpoint: portalA.restBase,
      serverEndpoint: oauth.serverEndpoint,
      expiresIn: 3600,
      status: "F",
      scope: portalA.scope,
      userId: 1,
    });
    expect(r.tokens.refreshToken).not.toBe(install.refreshId);
    expect(r.tokens.accessToken).not.toBe(install.authId);
    expect(Math.abs(r.tokens.expiresAt - (Date.now() + 3600_000))).toBeLessThan(5_000);
    expect(oauth.refreshCount(portalA)).toBe(before + 1);

    const again = await refreshTokens({
      oauthUrl: oauth.tokenUrl,
      clientId: oauth.clientId,
      clientSecret: oauth.clientSecret,
      refreshToken: install.refreshId,
    });
    expect(again).toMatchObject({ ok: false, error: "invalid_grant", final: true });

    const next = await refreshTokens({
      oauthUrl: oauth.tokenUrl,
      clientId: oauth.clientId,
      clientSecret: oauth.clientSecret,
      refreshToken: r.tokens.refreshToken,
    });
    expect(next.ok).toBe(true);
  });

  it("refresh: a wrong client secret is invalid_client; an answer for another portal is refused", async () => {
    const install = await installOn(portalA);
    const wrong = await refreshTokens({
      oauthUrl: oauth.tokenUrl,
      clientId: oauth.clientId,
      clientSecret: "not-the-secret",
      refreshToken: install.refreshId,
    });
    expect(wrong).toMatchObject({ ok: false, error: "invalid_client", final: true });
    const other = await refreshTokens({
      oauthUrl: oauth.tokenUrl,
      clientId: oauth.clientId,
      clientSecret: oauth.clientSecret,
      refreshToken: install.refreshId,
      memberId: portalB.memberId,
    });
    expect(other).toMatchObject({ ok: false, error: "MEMBER_MISMATCH", final: true });
    await expect(
      refreshTokens({
        oauthUrl: "http://oauth.example/oauth/token/",
        clientId: "a",
        clientSecret: "b",
        refreshToken: "c",
      }),
    ).rejects.toThrow(/https/);
  });

  it("the client sends the token as auth; on expired_token it refreshes exactly once and retries the call", async () => {
    const install = await installOn(portalA);
    const { state, client } = storeOf(install);
    const first = await client.call<boolean>("event.bind", {
      event: "ONAPPUNINSTALL",
      handler: `${app.url}/bitrix24/events`,
    });
    expect(first).toEqual({ ok: true, result: true });
    expect(portalA.calls.at(-1)).toMatchObject({ method: "event.bind", authIn: "body" });

    const before = oauth.refreshCount(portalA);
    portalA.expireTokens();
    const callsBefore = portalA.callsOf("event.get").length;
    const r = await client.call<unknown[]>("event.get");
    expect(r.ok).toBe(true);
    expect(state.refreshes).toBe(1);
    expect(oauth.refreshCount(portalA)).toBe(before + 1);
    expect(portalA.callsOf("event.get").length - callsBefore).toBe(2); // refused once, then retried
    expect(state.refreshToken).not.toBe(install.refreshId);

    // The new token works without another refresh.
    expect((await client.call("app.info")).ok).toBe(true);
    expect(state.refreshes).toBe(1);
    await client.call("event.unbind", { event: "ONAPPUNINSTALL" });
  });

  it("two calls that meet the same expiry share one refresh, and both succeed", async () => {
    const install = await installOn(portalA);
    const { state, client } = storeOf(install);
    const before = oauth.refreshCount(portalA);
    portalA.expireTokens();
    oauth.tokenDelayMs = 150; // both calls are refused before the refresh answers
    try {
      const [a, b, c] = await Promise.all([client.call("app.info"), client.call("event.get"), client.call("app.info")]);
      expect([a.ok, b.ok, c.ok]).toEqual([true, true, true]);
    } finally {
      oauth.tokenDelayMs = 0;
    }
    expect(state.refreshes).toBe(1);
    expect(oauth.refreshCount(portalA)).toBe(before + 1);
  });

  it("a call that meets the expiry after another call renewed the token retries without refreshing", async () => {
    const install = await installOn(portalA);
    const { state, client } = storeOf(install);
    const stale = install.authId;
    portalA.expireTokens();
    expect((await client.call("app.info")).ok).toBe(true);
    expect(state.refreshes).toBe(1);
    // A second client still holding the old token in flight: same store state, separate call.
    let served = false;
    const late = createOAuthRestClient({
      restBase: install.restBase,
      getAccessToken: () => {
        if (!served) {
          served = true;
          return stale;
        }
        return state.accessToken;
      },
      onExpired: () => Promise.reject(new Error("must not refresh")),
    });
    expect((await late.call("app.info")).ok).toBe(true);
    expect(state.refreshes).toBe(1);
  });

  it("the retry happens once: a renewed token that is refused again comes back as the error", async () => {
    const install = await installOn(portalA);
    let renewals = 0;
    portalA.expireTokens();
    const client = createOAuthRestClient({
      restBase: install.restBase,
      getAccessToken: () => install.authId,
      onExpired: () => {
        renewals++;
        return Promise.resolve(install.authId.split("").reverse().join("")); // not a valid token
      },
    });
    const r = await client.call("app.info");
    expect(r).toMatchObject({ ok: false, error: "NO_AUTH_FOUND", httpStatus: 401 });
    expect(renewals).toBe(1);

    const failing = createOAuthRestClient({
      restBase: install.restBase,
      getAccessToken: () => install.authId,
      onExpired: () => Promise.reject(new Error("invalid_grant: Invalid refresh token")),
    });
    expect(await failing.call("app.info")).toMatchObject({ ok: false, error: "TOKEN_REFRESH_FAILED", httpStatus: 401 });
  });

  it("two portals at once: each token works only on its own portal, and refreshes are counted apart", async () => {
    const a = storeOf(await installOn(portalA));
    const installB = await installOn(portalB);
    const b = storeOf(installB);
    expect(installB.memberId).not.toBe(portalA.memberId);
    expect(installB.domain).not.toBe(portalA.domain);
    const beforeA = oauth.refreshCount(portalA);
    const beforeB = oauth.refreshCount(portalB);

    const crossed = createOAuthRestClient({
      restBase: installB.restBase,
      getAccessToken: () => a.state.accessToken,
      onExpired: () => Promise.reject(new Error("no")),
    });
    expect(await crossed.call("app.info")).toMatchObject({ ok: false, error: "NO_AUTH_FOUND" });

    portalB.expireTokens();
    expect((await a.client.call("app.info")).ok).toBe(true);
    expect((await b.client.call("app.info")).ok).toBe(true);
    expect([a.state.refreshes, b.state.refreshes]).toEqual([0, 1]);
    expect(oauth.refreshCount(portalA)).toBe(beforeA);
    expect(oauth.refreshCount(portalB)).toBe(beforeB + 1);
  });

  it("uninstall: ONAPPUNINSTALL reaches the bound handler, parses, and only the stored token matches", async () => {
    const portal = await new StandInOAuthPortal(oauth).start();
    const other = await new StandInOAuthPortal(oauth).start();
    try {
      const install = await installOn(portal);
      const otherInstall = await installOn(other);
      const { client } = storeOf(install);
      const handler = `${app.url}/bitrix24/events`;
      expect((await client.call("event.bind", { event: "ONAPPUNINSTALL", handler })).ok).toBe(true);
      expect(portal.events).toEqual([{ event: "ONAPPUNINSTALL", handler, auth_type: 0, event_type: "online" }]);

      const sent = await portal.uninstall({ clean: true });
      expect(sent).toEqual([{ handler, status: 200 }]);
      const post = app.posts.at(-1)!;
      expect(post.path).toBe("/bitrix24/events");
      const parsed = parseEvent(post.body);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      expect(parsed.event.event).toBe("ONAPPUNINSTALL");
      expect(parsed.event.auth.memberId).toBe(install.memberId);
      expect(parsed.event.auth.accessToken).toBeNull();
      expect(uninstallOf(parsed.event)).toEqual({ languageId: "ru", clean: true });
      expect(verifyApplicationToken(install.applicationToken, parsed.event.auth.applicationToken)).toBe(true);
      // Another store's token does not match this event.
      expect(verifyApplicationToken(otherInstall.applicationToken, parsed.event.auth.applicationToken)).toBe(false);

      // After uninstall the app's tokens are gone: REST and refresh are refused.
      expect(await client.call("app.info")).toMatchObject({ ok: false, error: "NO_AUTH_FOUND" });
      const refresh = await refreshTokens({
        oauthUrl: oauth.tokenUrl,
        clientId: oauth.clientId,
        clientSecret: oauth.clientSecret,
        refreshToken: install.refreshId,
      });
      expect(refresh).toMatchObject({ ok: false, error: "invalid_grant" });

      // A forged uninstall (wrong token) parses but does not verify.
      const { client: otherClient } = storeOf(otherInstall);
      await otherClient.call("event.bind", { event: "ONAPPUNINSTALL", handler });
      await other.uninstall({ applicationToken: "ffffffffffffffffffffffffffffffff" });
      const forged = parseEvent(app.posts.at(-1)!.body);
      expect(
        forged.ok && verifyApplicationToken(otherInstall.applicationToken, forged.event.auth.applicationToken),
      ).toBe(false);
    } finally {
      await Promise.all([portal.stop(), other.stop()]);
    }
  });
});
