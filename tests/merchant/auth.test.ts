import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { POST as loginRoute } from "@/app/api/merchant/login/route";
import { POST as logoutRoute } from "@/app/api/merchant/logout/route";
import { GET as exportRoute } from "@/app/api/merchant/payments/export/route";
import { POST as recheckRoute } from "@/app/api/merchant/payments/[id]/recheck/route";
import { POST as refundRoute } from "@/app/api/merchant/payments/[id]/refund/route";
import { GET as listRoute } from "@/app/api/merchant/payments/route";
import { POST as retryRoute } from "@/app/api/merchant/refunds/[id]/retry/route";
import { POST as userRoute } from "@/app/api/merchant/users/[id]/route";
import { GET as usersRoute, POST as addUserRoute } from "@/app/api/merchant/users/route";
import { setKaspiGatewayForTests } from "@/lib/container";
import { db } from "@/lib/db";
import { DEFAULT_STORE_ID } from "@/lib/stores/store-id";
import { createFakeKaspiGateway } from "@/tests/support/fake-kaspi-gateway";
import { hashPassword, verifyPassword } from "@/lib/merchant/password";
import { PEER_HEADER } from "@/lib/http/peer-address";
import { merchantLogin } from "@/lib/merchant/login-use-case";
import { delayAfter, FREE_FAILURES_PER_PAIR } from "@/lib/merchant/rate-limit";
import {
  cookieIsSecure,
  hashToken,
  HOST_SESSION_COOKIE,
  SESSION_IDLE_MS,
  sessionCookie,
  sessionCookieName,
} from "@/lib/merchant/sessions";
import { upsertMerchantUser } from "@/lib/merchant/users";
import { errorCodeOf, params } from "../helpers";
import { loginRequest, merchantRequest, read, signedIn, signedInViaLogin, type MerchantCall } from "./merchant-helpers";

// Auth of the merchant area: no session → 401 JSON, wrong role → 403, CSRF guards on every
// state-changing route, sign-in limits, cookie flags, sign-out.

beforeEach(() => setKaspiGatewayForTests(createFakeKaspiGateway()));
afterAll(() => setKaspiGatewayForTests(undefined));

const id = "pay_missing";
type Route = { name: string; call: (c: MerchantCall) => Promise<Response>; mutating: boolean; admin: boolean };
const routes: Route[] = [
  {
    name: "GET payments",
    call: (c) => listRoute(merchantRequest("/api/merchant/payments", c)),
    mutating: false,
    admin: false,
  },
  {
    name: "GET export",
    call: (c) => exportRoute(merchantRequest("/api/merchant/payments/export", c)),
    mutating: false,
    admin: false,
  },
  {
    name: "POST refund",
    call: (c) =>
      refundRoute(
        merchantRequest(`/api/merchant/payments/${id}/refund`, { body: { amount: 100 }, ...c }),
        params({ id }),
      ),
    mutating: true,
    admin: true,
  },
  {
    name: "POST recheck",
    call: (c) =>
      recheckRoute(merchantRequest(`/api/merchant/payments/${id}/recheck`, { body: {}, ...c }), params({ id })),
    mutating: true,
    admin: true,
  },
  {
    name: "POST retry",
    call: (c) =>
      retryRoute(merchantRequest(`/api/merchant/refunds/rfd_x/retry`, { body: {}, ...c }), params({ id: "rfd_x" })),
    mutating: true,
    admin: true,
  },
  {
    name: "GET users",
    call: (c) => usersRoute(merchantRequest("/api/merchant/users", c)),
    mutating: false,
    admin: true,
  },
  {
    name: "POST users",
    call: (c) =>
      addUserRoute(merchantRequest("/api/merchant/users", { body: { email: "x@y.kz", role: "viewer" }, ...c })),
    mutating: true,
    admin: true,
  },
  {
    name: "POST user disable",
    call: (c) =>
      userRoute(
        merchantRequest("/api/merchant/users/usr_x", { body: { disabled: true }, ...c }),
        params({ id: "usr_x" }),
      ),
    mutating: true,
    admin: true,
  },
  {
    name: "POST logout",
    call: (c) => logoutRoute(merchantRequest("/api/merchant/logout", { body: {}, ...c })),
    mutating: true,
    admin: false,
  },
];

describe("every /api/merchant route", () => {
  it.each(routes.map((r) => [r.name, r] as const))("%s: no session → 401 JSON", async (_n, route) => {
    const answer = await read(await route.call({ session: null }));
    expect(answer.status).toBe(401);
    expect(errorCodeOf(answer)).toBe("UNAUTHORIZED");
  });

  it.each(routes.map((r) => [r.name, r] as const))("%s: a forged or expired cookie → 401", async (_n, route) => {
    const admin = await signedIn("admin");
    await db().merchantSession.updateMany({
      where: { tokenHash: hashToken(admin.token) },
      data: { expiresAt: new Date(0) },
    });
    expect((await route.call({ session: admin })).status).toBe(401);
    const forged = { ...admin, cookie: "merchant_session=not-a-real-token" };
    expect((await route.call({ session: forged })).status).toBe(401);
  });

  it.each(routes.filter((r) => r.admin).map((r) => [r.name, r] as const))("%s: viewer → 403", async (_n, route) => {
    const viewer = await signedIn("viewer");
    const answer = await read(await route.call({ session: viewer }));
    expect(answer.status).toBe(403);
    expect(errorCodeOf(answer)).toBe("FORBIDDEN");
  });

  const mutating = routes.filter((r) => r.mutating).map((r) => [r.name, r] as const);
  it.each(mutating)("%s: another site's Origin → 403 CSRF_REJECTED", async (_n, route) => {
    const admin = await signedIn("admin");
    const answer = await read(await route.call({ session: admin, origin: "https://evil.example" }));
    expect([answer.status, errorCodeOf(answer)]).toEqual([403, "CSRF_REJECTED"]);
  });
  it.each(mutating)("%s: no Origin and no Referer → 403", async (_n, route) => {
    const admin = await signedIn("admin");
    expect((await route.call({ session: admin, origin: null })).status).toBe(403);
  });
  it.each(mutating)("%s: missing or wrong CSRF token → 403", async (_n, route) => {
    const admin = await signedIn("admin");
    expect((await route.call({ session: admin, csrf: null })).status).toBe(403);
    expect((await route.call({ session: admin, csrf: "x".repeat(32) })).status).toBe(403);
  });
});

describe("POST /api/merchant/login", () => {
  it("sets an HttpOnly SameSite=Lax cookie holding a token whose hash alone is stored", async () => {
    await upsertMerchantUser(db(), {
      email: "Owner@Shop.kz",
      password: "long-enough-password",
      role: "admin",
      storeId: DEFAULT_STORE_ID,
    });
    const res = await loginRoute(loginRequest("owner@shop.kz", "long-enough-password"));
    expect(res.status).toBe(200);
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/merchant_session=[\w-]{40,}/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
    // APP_URL is http://app.test in tests: not localhost, so the cookie is Secure.
    expect(cookie).toContain("Secure");
    const token = /merchant_session=([^;]+)/.exec(cookie)?.[1] ?? "";
    const rows = await db().merchantSession.findMany({ where: { tokenHash: hashToken(token) } });
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it("Secure except on plain-http localhost", () => {
    expect(cookieIsSecure("http://localhost:3000")).toBe(false);
    expect(cookieIsSecure("http://127.0.0.1:3500")).toBe(false);
    expect(cookieIsSecure("https://pay.shop.kz")).toBe(true);
    expect(cookieIsSecure("http://pay.shop.kz")).toBe(true);
  });

  it("on https the cookie is __Host- prefixed (Secure, Path=/, no Domain)", () => {
    expect(sessionCookieName("https://pay.shop.kz")).toBe(HOST_SESSION_COOKIE);
    expect(sessionCookieName("http://localhost:3000")).toBe("merchant_session");
    const cookie = sessionCookie("tok", new Date(), true, sessionCookieName("https://pay.shop.kz"));
    expect(cookie).toMatch(/^__Host-merchant_session=tok; Path=\/;/);
    expect(cookie).toContain("Secure");
    expect(cookie).not.toContain("Domain");
  });

  it.each([
    ["wrong password", "owner2@shop.kz", "not-the-password"],
    ["unknown email", "nobody@shop.kz", "long-enough-password"],
  ])("%s → 401 INVALID_CREDENTIALS, same message", async (_n, email, password) => {
    await upsertMerchantUser(db(), {
      email: "owner2@shop.kz",
      password: "long-enough-password",
      role: "viewer",
      storeId: DEFAULT_STORE_ID,
    });
    const answer = await read(await loginRoute(loginRequest(email, password)));
    expect(answer).toEqual({
      status: 401,
      body: { error: { code: "INVALID_CREDENTIALS", message: "wrong email or password" } },
    });
  });

  it("a disabled user cannot sign in", async () => {
    await upsertMerchantUser(db(), {
      email: "gone@shop.kz",
      password: "long-enough-password",
      role: "admin",
      storeId: DEFAULT_STORE_ID,
    });
    await db().merchantUser.update({ where: { email: "gone@shop.kz" }, data: { disabledAt: new Date() } });
    expect((await loginRoute(loginRequest("gone@shop.kz", "long-enough-password"))).status).toBe(401);
  });

  it("login from another site's page → 403", async () => {
    const answer = await read(
      await loginRoute(loginRequest("a@b.kz", "whatever-pass", { Origin: "https://evil.example" })),
    );
    expect(errorCodeOf(answer)).toBe("CSRF_REJECTED");
  });

  it("malformed bodies → 4xx", async () => {
    const bad = new Request("http://app.test/api/merchant/login", {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: "http://app.test" },
      body: "{",
    });
    expect((await loginRoute(bad)).status).toBe(400);
    const empty = await loginRoute(
      new Request("http://app.test/api/merchant/login", {
        method: "POST",
        headers: { "Content-Type": "application/json", Origin: "http://app.test" },
        body: JSON.stringify({ email: "" }),
      }),
    );
    expect(empty.status).toBe(422);
  });

  it("an attacker hammering an account slows only themselves: the owner signs in from elsewhere", async () => {
    await upsertMerchantUser(db(), {
      email: "target@shop.kz",
      password: "long-enough-password",
      role: "admin",
      storeId: DEFAULT_STORE_ID,
    });
    // A fixed clock: the attacker's guesses come faster than the delays let them.
    const at = new Date();
    const statuses: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await merchantLogin(
        db(),
        { email: "target@shop.kz", password: `wrong-${i}-password`, address: "203.0.113.66" },
        at,
      );
      statuses.push(r.ok ? "OK" : r.error.code);
    }
    // The first free failures are wrong passwords; then the pair waits (growing delays).
    expect(statuses).toEqual([
      ...Array<string>(FREE_FAILURES_PER_PAIR).fill("INVALID_CREDENTIALS"),
      ...Array<string>(6 - FREE_FAILURES_PER_PAIR).fill("RATE_LIMITED"),
    ]);
    // Throttled before the password is looked at: even the right one waits, from that address.
    const right = await merchantLogin(
      db(),
      { email: "target@shop.kz", password: "long-enough-password", address: "203.0.113.66" },
      at,
    );
    expect(right.ok ? "OK" : right.error).toMatchObject({ code: "RATE_LIMITED", details: { retryAfterSeconds: 1 } });
    // The owner, with the right password from their own address, is not locked out.
    const owner = await loginRoute(
      loginRequest("target@shop.kz", "long-enough-password", { [PEER_HEADER]: "198.51.100.7" }),
    );
    expect(owner.status).toBe(200);
  });

  it("the delay grows with each failure of a pair, up to the window", () => {
    expect([0, 1, 2, 3, 4, 5, 10, 40].map(delayAfter)).toEqual([0, 0, 0, 1000, 2000, 4000, 128_000, 900_000]);
  });

  it("failed-attempt rows expire: older rows are deleted on the next failure", async () => {
    const old = new Date(Date.now() - 16 * 60 * 1000);
    await db().loginFailure.create({ data: { id: "lgf_old_1", key: "pair:x@y.kz|10.0.0.9", createdAt: old } });
    await loginRoute(loginRequest("nobody-here@shop.kz", "wrong-password-1"));
    expect(await db().loginFailure.findUnique({ where: { id: "lgf_old_1" } })).toBeNull();
  });

  it("sign-in gives a new session id and ends the one the browser had", async () => {
    const first = await signedInViaLogin("viewer");
    const again = await loginRoute(loginRequest(first.email, first.password, { Cookie: first.cookie }));
    expect(again.status).toBe(200);
    expect(again.headers.get("set-cookie")).not.toContain(first.token);
    expect(await db().merchantSession.findUnique({ where: { tokenHash: hashToken(first.token) } })).toBeNull();
  });

  it("an idle session ends after 30 minutes, even before its absolute expiry", async () => {
    const viewer = await signedIn("viewer");
    const row = await db().merchantSession.findUniqueOrThrow({ where: { tokenHash: hashToken(viewer.token) } });
    expect((await listRoute(merchantRequest("/api/merchant/payments", { session: viewer }))).status).toBe(200);
    await db().merchantSession.update({
      where: { id: row.id },
      data: { lastSeenAt: new Date(Date.now() - SESSION_IDLE_MS - 1000) },
    });
    expect((await listRoute(merchantRequest("/api/merchant/payments", { session: viewer }))).status).toBe(401);
  });

  it("an old-parameter hash is replaced with today's on the next sign-in", async () => {
    await upsertMerchantUser(db(), {
      email: "legacy@shop.kz",
      password: "long-enough-password",
      role: "viewer",
      storeId: DEFAULT_STORE_ID,
    });
    const legacy = await hashPassword("long-enough-password", { N: 16_384, r: 8, p: 1 });
    await db().merchantUser.update({ where: { email: "legacy@shop.kz" }, data: { passwordHash: legacy } });
    expect((await loginRoute(loginRequest("legacy@shop.kz", "long-enough-password"))).status).toBe(200);
    const row = await db().merchantUser.findUniqueOrThrow({ where: { email: "legacy@shop.kz" } });
    expect(row.passwordHash).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(await verifyPassword("long-enough-password", row.passwordHash)).toBe(true);
  });

  it("limits an address that tries many accounts", async () => {
    const now = new Date();
    await db().loginFailure.createMany({
      data: Array.from({ length: 30 }, (_, i) => ({ id: `lgf_addr_${i}`, key: "address:10.66.0.1", createdAt: now })),
    });
    await upsertMerchantUser(db(), {
      email: "fresh@shop.kz",
      password: "long-enough-password",
      role: "admin",
      storeId: DEFAULT_STORE_ID,
    });
    const res = await loginRoute(loginRequest("fresh@shop.kz", "long-enough-password", { [PEER_HEADER]: "10.66.0.1" }));
    expect(res.status).toBe(429);
  });
});

describe("sign-out and passwords", () => {
  it("sign-out deletes the session and clears the cookie", async () => {
    const admin = await signedInViaLogin("admin");
    const res = await logoutRoute(merchantRequest("/api/merchant/logout", { session: admin, body: {} }));
    expect(res.status).toBe(200);
    expect(res.headers.get("set-cookie")).toContain("Max-Age=0");
    expect((await listRoute(merchantRequest("/api/merchant/payments", { session: admin }))).status).toBe(401);
  });

  it("scrypt hashes are salted and verify in constant time", async () => {
    const a = await hashPassword("same password!");
    const b = await hashPassword("same password!");
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(await verifyPassword("same password!", a)).toBe(true);
    expect(await verifyPassword("same password?", a)).toBe(false);
    expect(await verifyPassword("x", "garbage")).toBe(false);
  });

  it("an admin adds a user and gets a generated password once; viewers list nothing", async () => {
    const admin = await signedIn("admin");
    const answer = await read<{ password: string; created: boolean }>(
      await addUserRoute(
        merchantRequest("/api/merchant/users", { session: admin, body: { email: "New@Shop.kz", role: "viewer" } }),
      ),
    );
    expect(answer.status).toBe(201);
    expect(answer.body.password).toHaveLength(20);
    expect((await loginRoute(loginRequest("new@shop.kz", answer.body.password))).status).toBe(200);
  });

  it("an admin disables a user: their sessions end at once; not themselves", async () => {
    const admin = await signedIn("admin");
    const viewer = await signedIn("viewer");
    const viewerRow = await db().merchantUser.findFirstOrThrow({ where: { role: "viewer" } });
    const off = await userRoute(
      merchantRequest(`/api/merchant/users/${viewerRow.id}`, { session: admin, body: { disabled: true } }),
      params({ id: viewerRow.id }),
    );
    expect(off.status).toBe(200);
    expect((await listRoute(merchantRequest("/api/merchant/payments", { session: viewer }))).status).toBe(401);
    await db().merchantUser.update({ where: { id: viewerRow.id }, data: { disabledAt: null } });
    const adminRow = await db().merchantSession.findFirstOrThrow({ where: { tokenHash: hashToken(admin.token) } });
    const self = await userRoute(
      merchantRequest(`/api/merchant/users/${adminRow.userId}`, { session: admin, body: { disabled: true } }),
      params({ id: adminRow.userId }),
    );
    expect(self.status).toBe(409);
  });
});
