import { createHash, randomBytes } from "node:crypto";
import type { Db } from "../db";
import { newId } from "../ids";
import { isMerchantRole, type MerchantRole } from "./roles";

// Merchant sessions live in the database (several app instances share it). The cookie carries a
// random 256-bit token; only its SHA-256 is stored, so a leaked database cannot sign anyone in.

export const SESSION_COOKIE = "merchant_session";
/** On https the cookie is "__Host-" prefixed: Secure, host-only, Path=/ — no subdomain can plant one. */
export const HOST_SESSION_COOKIE = "__Host-merchant_session";
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;
/** A session unused for this long ends, whatever its absolute expiry. */
export const SESSION_IDLE_MS = 30 * 60 * 1000;
/** lastSeenAt is written at most this often, so reads do not become a write per request. */
const TOUCH_EVERY_MS = 60 * 1000;

export function sessionCookieName(appUrl: string): string {
  return appUrl.startsWith("https://") ? HOST_SESSION_COOKIE : SESSION_COOKIE;
}

export type MerchantSessionView = {
  sessionId: string;
  userId: string;
  /** The store the user belongs to: every query of the merchant area is limited to it. */
  storeId: string;
  email: string;
  role: MerchantRole;
  csrfToken: string;
  expiresAt: Date;
};

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export async function createSession(
  db: Db,
  userId: string,
  now = new Date(),
): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
  const token = randomBytes(32).toString("base64url");
  const csrfToken = randomBytes(24).toString("base64url");
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await db.merchantSession.create({
    data: { id: newId("ses"), tokenHash: hashToken(token), userId, csrfToken, expiresAt, lastSeenAt: now },
  });
  // Expired sessions of this user are cleaned on the way; nothing else ever needs them.
  await db.merchantSession.deleteMany({ where: { userId, expiresAt: { lt: now } } });
  return { token, csrfToken, expiresAt };
}

/** The session of a cookie token, or null when it is unknown, expired, or its user is disabled. */
export async function findSession(
  db: Db,
  token: string | undefined,
  now = new Date(),
): Promise<MerchantSessionView | null> {
  if (!token || token.length > 200) return null;
  const row = await db.merchantSession.findUnique({ where: { tokenHash: hashToken(token) }, include: { user: true } });
  if (!row || row.expiresAt <= now || row.user.disabledAt) return null;
  if (!isMerchantRole(row.user.role)) return null;
  const lastSeen = (row.lastSeenAt ?? row.createdAt).getTime();
  if (now.getTime() - lastSeen > SESSION_IDLE_MS) {
    await db.merchantSession.deleteMany({ where: { id: row.id } });
    return null;
  }
  if (now.getTime() - lastSeen > TOUCH_EVERY_MS) {
    await db.merchantSession.updateMany({ where: { id: row.id }, data: { lastSeenAt: now } });
  }
  return {
    sessionId: row.id,
    userId: row.userId,
    storeId: row.user.storeId,
    email: row.user.email,
    role: row.user.role,
    csrfToken: row.csrfToken,
    expiresAt: row.expiresAt,
  };
}

export async function deleteSession(db: Db, token: string | undefined): Promise<void> {
  if (!token) return;
  await db.merchantSession.deleteMany({ where: { tokenHash: hashToken(token) } });
}

/** Secure everywhere except plain-http localhost, where browsers would drop a Secure cookie. */
export function cookieIsSecure(appUrl: string): boolean {
  const url = new URL(appUrl);
  return !(url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname));
}

export function sessionCookie(token: string, expiresAt: Date, secure: boolean, name = SESSION_COOKIE): string {
  return [
    `${name}=${token}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    `Expires=${expiresAt.toUTCString()}`,
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}

export function clearedSessionCookie(secure: boolean, name = SESSION_COOKIE): string {
  return [`${name}=`, "Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=0", ...(secure ? ["Secure"] : [])].join("; ");
}

/** The session token from a Cookie header, under the cookie name the deployment uses. */
export function tokenFromCookieHeader(header: string | null, cookieName = SESSION_COOKIE): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === cookieName) return rest.join("=") || undefined;
  }
  return undefined;
}
