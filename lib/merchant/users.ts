import type { Db } from "../db";
import { newId } from "../ids";
import { generatePassword, hashPassword, MIN_PASSWORD_LENGTH } from "./password";
import type { MerchantRole } from "./roles";
import { DEFAULT_STORE_ID } from "../stores/store-id";

// Merchant users: created by `npm run merchant:add-user`, by an admin in the merchant area, and
// (embedded default only) a first admin printed by `npm start`. A user belongs to one store and
// sees and manages only that store; the e-mail is unique across all stores (sign-in finds the user
// by it, and so the store).

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function isPlausibleEmail(email: string): boolean {
  return /^[^\s@]+@[^\s@]+$/.test(email) && email.length <= 254;
}

export type UpsertOutcome = { created: boolean; userId: string };

/** The e-mail is a user of another store: nothing was changed. */
export class EmailOfAnotherStoreError extends Error {
  constructor(readonly storeId: string) {
    super(`this e-mail is already a user of another store (${storeId})`);
  }
}

/**
 * Creates the user of the store (viewer unless told), or sets the password (and, if given, role)
 * of an existing user of that store. A user of another store is left alone
 * (EmailOfAnotherStoreError).
 */
export async function upsertMerchantUser(
  db: Db,
  input: { email: string; password: string; role?: MerchantRole; storeId: string },
): Promise<UpsertOutcome> {
  const email = normalizeEmail(input.email);
  if (!isPlausibleEmail(email)) throw new Error(`not an email address: ${input.email}`);
  if (input.password.length < MIN_PASSWORD_LENGTH) {
    throw new Error(`the password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  const passwordHash = await hashPassword(input.password);
  const existing = await db.merchantUser.findUnique({ where: { email } });
  if (existing && existing.storeId !== input.storeId) throw new EmailOfAnotherStoreError(existing.storeId);
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
  await db.merchantUser.create({
    data: { id, storeId: input.storeId, email, passwordHash, role: input.role ?? "viewer" },
  });
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
    await db.merchantUser.create({
      data: { id, storeId: DEFAULT_STORE_ID, email, passwordHash: await hashPassword(password), role: "admin" },
    });
  } catch {
    return null; // another process made it first
  }
  return { email, password };
}

/** The users of one store. */
export async function listMerchantUsers(db: Db, storeId: string) {
  return db.merchantUser.findMany({
    where: { storeId },
    orderBy: { createdAt: "asc" },
    select: { id: true, email: true, role: true, disabledAt: true, lastLoginAt: true, createdAt: true },
  });
}

/** Disables (or enables) a user of the store; false, changing nothing, for any other id. */
export async function setMerchantUserDisabled(
  db: Db,
  storeId: string,
  userId: string,
  disabled: boolean,
): Promise<boolean> {
  const res = await db.merchantUser.updateMany({
    where: { id: userId, storeId },
    data: { disabledAt: disabled ? new Date() : null },
  });
  if (res.count !== 1) return false;
  if (disabled) await db.merchantSession.deleteMany({ where: { userId } });
  return true;
}
