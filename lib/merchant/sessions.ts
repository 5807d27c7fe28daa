import { createHash, randomBytes } from "node:crypto";
import type { Db } from "../db";
import { newId } from "../ids";
import { isMerchantRole, type MerchantRole } from "./roles";

// Merchant sessions live in the database (several app instances share it). The cookie carries a
// random 256-bit token; only its SHA-256 is stored, so a leaked database cannot sign anyone in.

export const SESSION_COOKIE = "merchant_session";
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;

export type MerchantSessionView = {
  sessionId: string;
  userId: string;
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
    data: { id: newId("ses"), tokenHash: hashToken(token), userId, csrfToken, expiresAt },
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
  return {
    sessionId: row.id,
    userId: row.userId,
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

export function sessionCookie(token: string, expiresAt: Date, secure: boolean): string {
  return [
    `${SESSION_COOKIE}=${token}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    `Expires=${expiresAt.toUTCString()}`,
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}

export function clearedSessionCookie(secure: boolean): string {
  return [`${SESSION_COOKIE}=`, "Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=0", ...(secure ? ["Secure"] : [])].join(
    "; ",
  );
}

/** The session token from a Cookie header. */
export function tokenFromCookieHeader(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === SESSION_COOKIE) return rest.join("=") || undefined;
  }
  return undefined;
}
