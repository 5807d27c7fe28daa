import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HANDLER_CODE } from "@/lib/bitrix24/register";
import {
  StandInOAuthPortal,
  StandInOAuthServer,
  withSaleMethods,
  type SaleState,
} from "../support/bitrix24-oauth-portal";
import { ensureBuild, startApp, type Proc } from "../support/processes";

// The production build behind proxy.ts (npm start, the Kaspi sandbox on), two stand-in portals
// installing the OAuth app: what a portal's frame gets in its headers from the real server. Next
// keeps a header the proxy set over the route's (next/dist/server/send-response.js), so this is
// where the app page's frame-ancestors — set by the route, which alone knows the store — and the
// installed portal's /bitrix24/pay framing are proven. Port 3450 (3460 is kaspi:qr:smoke's, which runs beside the integration tests).

const APP_PORT = 3450;
const CLIENT_ID = "app.kaspicheckout.0003";
const CLIENT_SECRET = "client-secret-of-the-kaspi-app-0003";

const frameAncestors = (headers: Headers) =>
  /frame-ancestors ([^;]+)/.exec(headers.get("content-security-policy") ?? "")?.[1];

describe("the OAuth app's frames through the production server", () => {
  const oauth = new StandInOAuthServer({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  const portalA = new StandInOAuthPortal(oauth);
  const portalB = new StandInOAuthPortal(oauth);
  const sales = new Map<StandInOAuthPortal, SaleState>();
  let app: Proc | undefined;

  beforeAll(async () => {
    await oauth.start();
    await Promise.all([portalA.start(), portalB.start()]);
    for (const portal of [portalA, portalB]) sales.set(portal, withSaleMethods(portal));
    await ensureBuild();
    app = await startApp({
      port: APP_PORT,
      env: {
        BITRIX24_CLIENT_ID: CLIENT_ID,
        BITRIX24_CLIENT_SECRET: CLIENT_SECRET,
        BITRIX24_OAUTH_URL: oauth.tokenUrl,
        STORE_SECRETS_KEY: randomBytes(32).toString("hex"),
      },
    });
    for (const portal of [portalA, portalB]) {
      const installed = await portal.install(`${app.url}/bitrix24/install`);
      expect(installed.status, installed.text).toBe(200);
    }
  }, 300_000);

  afterAll(async () => {
    await app?.stop();
    await Promise.all([portalA.stop(), portalB.stop(), oauth.stop()]);
  });

  it("the app's page is framed by its own portal only (the route's CSP, not the proxy's)", async () => {
    const a = await portalA.openApp(`${app!.url}/bitrix24/app`);
    expect(a.status, a.text).toBe(200);
    expect(a.text).toContain("/bitrix24/app/settings");
    expect(frameAncestors(a.headers)).toBe(`http://${portalA.domain}`);
    expect(a.headers.get("x-frame-options")).toBeNull();
    expect(a.headers.get("x-request-id")).toBeTruthy();
    const b = await portalB.openApp(`${app!.url}/bitrix24/app`, { lang: "en" });
    expect(frameAncestors(b.headers)).toBe(`http://${portalB.domain}`);
    // B's token on A's store: refused, and A's origin is the only frame of the refusal.
    const crossed = await portalB.openApp(`${app!.url}/bitrix24/app`, {
      override: { body: { member_id: portalA.memberId } },
    });
    expect(crossed.status).toBe(401);
    expect(crossed.text).not.toContain("<form");
    expect(frameAncestors(crossed.headers)).toBe(`http://${portalA.domain}`);
  });

  it("an installed portal's IFRAME_DATA page: that portal's frame only, and another portal's origin gets a 404", async () => {
    const handler = sales.get(portalA)!.handlers.find((h) => h.CODE === HANDLER_CODE);
    const uri = String((handler?.SETTINGS.IFRAME_DATA as { ACTION_URI?: string } | undefined)?.ACTION_URI);
    expect(uri.startsWith(`${app!.url}/bitrix24/pay?key=`)).toBe(true);
    const page = await fetch(uri);
    expect(page.status).toBe(200);
    expect(frameAncestors(page.headers)).toBe(`http://${portalA.domain}`);
    expect(await page.text()).toContain('data-testid="bitrix24-iframe"');
    const other = new URL(uri);
    other.searchParams.set("portal", `http://${portalB.domain}`);
    const foreign = await fetch(other);
    expect(foreign.status).toBe(404);
    await foreign.text();
  });
});
