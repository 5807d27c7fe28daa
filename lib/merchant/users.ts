import type { Db } from "../db";
import { newId } from "../ids";
import { generatePassword, hashPassword, MIN_PASSWORD_LENGTH } from "./password";
import type { MerchantRole } from "./roles";

// Merchant users: created by `npm run merchant:add-user`, by an admin in the merchant area, and
// (embedded default only) a first admin printed by `npm start`.

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function isPlausibleEmail(email: string): boolean {
  return /^[^\s@]+@[^\s@]+$/.test(email) && email.length <= 254;
}

export type UpsertOutcome = { created: boolean; userId: string };

/** Creates the user (viewer unless told), or sets the password (and, if given, role) of an existing one. */
export async function upsertMerchantUser(
  db: Db,
  input: { email: string; password: string; role?: MerchantRole },
): Promise<UpsertOutcome> {
  const email = normalizeEmail(input.email);
  if (!isPlausibleEmail(email)) throw new Error(`not an email address: ${input.email}`);
  if (input.password.length < MIN_PASSWORD_LENGTH) {
    throw new Error(`the password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  const passwordHash = await hashPassword(input.password);
  const existing = await db.merchantUser.findUnique({ where: { email } });
  if (existing) {
    await db.merchantUser.update({
      where: { id: existing.id },
      data: { passwordHash, ...(input.role ? { role: input.role } : {}), disabledAt: null },
    });
    // A new password ends every session signed in with the old one.
    await db.merchantSession.deleteMany({ where: { userId: existing.id } });
    return { created: false, userId: existing.id };
  }
  const id = newId("usr");
  await db.merchantUser.create({ data: { id, email, passwordHash, role: input.role ?? "viewer" } });
  return { created: true, userId: id };
}

/**
 * The first admin of an embedded install: made only when there is no merchant user at all.
 * Returns the generated password once; it is never stored in clear.
 */
export async function ensureFirstMerchantUser(
  db: Db,
  email = "admin@localhost",
): Promise<{ email: string; password: string } | null> {
  if ((await db.merchantUser.count()) > 0) return null;
  const password = generatePassword();
  const id = newId("usr");
  try {
    await db.merchantUser.create({ data: { id, email, passwordHash: await hashPassword(password), role: "admin" } });
  } catch {
    return null; // another process made it first
  }
  return { email, password };
}

export async function listMerchantUsers(db: Db) {
  return db.merchantUser.findMany({
    orderBy: { createdAt: "asc" },
    select: { id: true, email: true, role: true, disabledAt: true, lastLoginAt: true, createdAt: true },
  });
}

export async function setMerchantUserDisabled(db: Db, userId: string, disabled: boolean): Promise<boolean> {
  const res = await db.merchantUser.updateMany({
    where: { id: userId },
    data: { disabledAt: disabled ? new Date() : null },
  });
  if (disabled) await db.merchantSession.deleteMany({ where: { userId } });
  return res.count === 1;
}
