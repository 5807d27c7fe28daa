import { POST as loginRoute } from "@/app/api/merchant/login/route";
import { db } from "@/lib/db";
import { PEER_HEADER, installPeerAddressStamp } from "@/lib/http/peer-address";
import { createSession, hashToken, SESSION_COOKIE } from "@/lib/merchant/sessions";
import type { MerchantRole } from "@/lib/merchant/roles";
import { upsertMerchantUser } from "@/lib/merchant/users";
import { DEFAULT_STORE_ID } from "@/lib/stores/store-id";
import { BASE, read } from "../helpers";

// Merchant sessions for route tests: a user of a role, signed in through the real login route.

export type TestSession = { email: string; password: string; token: string; csrf: string; cookie: string };

let n = 0;
const users = new Map<string, { email: string; password: string; id: string }>();

/**
 * A fresh session of a user of that role (of the default store unless told). The user is made (one
 * scrypt) once per file and the session is created directly: the login route itself is tested in
 * auth.test.ts.
 */
export async function signedIn(role: MerchantRole = "admin", storeId = DEFAULT_STORE_ID): Promise<TestSession> {
  const key = `${storeId}:${role}`;
  let user = users.get(key);
  if (!user) {
    const prefix = storeId === DEFAULT_STORE_ID ? role : `${storeId}-${role}`;
    const email = `${prefix}-${process.pid}@shop.test`;
    const password = `correct-horse-${role}-battery`;
    const { userId } = await upsertMerchantUser(db(), { email, password, role, storeId });
    user = { email, password, id: userId };
    users.set(key, user);
  }
  const { token, csrfToken } = await createSession(db(), user.id);
  return { email: user.email, password: user.password, token, csrf: csrfToken, cookie: `${SESSION_COOKIE}=${token}` };
}

/** A user signed in through the real POST /api/merchant/login. */
export async function signedInViaLogin(role: MerchantRole = "admin"): Promise<TestSession> {
  n++;
  const email = `${role}-${n}-${process.pid}@shop.test`;
  const password = `correct-horse-${n}-battery`;
  await upsertMerchantUser(db(), { email, password, role, storeId: DEFAULT_STORE_ID });
  const res = await loginRoute(loginRequest(email, password));
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const setCookie = res.headers.get("set-cookie") ?? "";
  const token = /merchant_session=([^;]+)/.exec(setCookie)?.[1] ?? "";
  const session = await db().merchantSession.findUniqueOrThrow({ where: { tokenHash: hashToken(token) } });
  return { email, password, token, csrf: session.csrfToken, cookie: `${SESSION_COOKIE}=${token}` };
}

// The server stamps the socket peer on every request; tests say which address a request came from.
installPeerAddressStamp();

export function loginRequest(email: string, password: string, headers: Record<string, string> = {}): Request {
  return new Request(`${BASE}/api/merchant/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: BASE, [PEER_HEADER]: "10.0.0.1", ...headers },
    body: JSON.stringify({ email, password }),
  });
}

export type MerchantCall = {
  method?: "GET" | "POST";
  session?: TestSession | null;
  body?: unknown;
  /** Override or drop (null) the Origin header of a POST. */
  origin?: string | null;
  /** Override or drop (null) the CSRF header of a POST. */
  csrf?: string | null;
};

export function merchantRequest(path: string, call: MerchantCall = {}): Request {
  const method = call.method ?? (call.body === undefined ? "GET" : "POST");
  const headers: Record<string, string> = {};
  if (call.session) headers.Cookie = call.session.cookie;
  if (method === "POST") {
    const origin = call.origin === undefined ? BASE : call.origin;
    if (origin) headers.Origin = origin;
    const csrf = call.csrf === undefined ? call.session?.csrf : call.csrf;
    if (csrf) headers["X-CSRF-Token"] = csrf;
    headers["Content-Type"] = "application/json";
  }
  return new Request(`${BASE}${path}`, {
    method,
    headers,
    ...(method === "POST" ? { body: JSON.stringify(call.body ?? {}) } : {}),
  });
}

export { read };
