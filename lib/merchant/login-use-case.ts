import type { Db } from "../db";
import { fail, ok, type Result } from "../errors";
import { withHashSlot } from "./hash-slots";
import { dummyHash, hashPassword, needsRehash, verifyPassword } from "./password";
import { checkLoginLimits, clearPairFailures, recordLoginFailure } from "./rate-limit";
import { createSession, deleteSession } from "./sessions";
import { normalizeEmail } from "./users";

export type LoginInput = {
  email: string;
  password: string;
  address: string;
  /** The session token the browser still had: it is ended, so sign-in always gets a new session id. */
  previousToken?: string | undefined;
};
export type LoginSuccess = { token: string; csrfToken: string; expiresAt: Date; role: string };

// Sign-in. The throttle is per (account, address) and checked before the password, so a throttled
// pair answers the same whether or not the guess was right, and nobody else is locked out by it.
// Unknown emails cost one scrypt too, so timing tells nothing. Hashes run in a capped pool.
export async function merchantLogin(db: Db, input: LoginInput, now = new Date()): Promise<Result<LoginSuccess>> {
  const email = normalizeEmail(input.email);
  const limit = await checkLoginLimits(db, email, input.address, now);
  if (limit.limited) {
    return fail("RATE_LIMITED", "too many failed sign-ins; try again later", {
      retryAfterSeconds: limit.retryAfterSeconds,
    });
  }
  const user = await db.merchantUser.findUnique({ where: { email } });
  const stored = user?.passwordHash ?? (await dummyHash());
  const valid = await withHashSlot(`address:${input.address}`, () => verifyPassword(input.password, stored));
  if (valid === null) return fail("RATE_LIMITED", "sign-in is busy; try again in a moment", { retryAfterSeconds: 1 });
  if (!user || !valid || user.disabledAt) {
    await recordLoginFailure(db, email, input.address, now);
    return fail("INVALID_CREDENTIALS", "wrong email or password");
  }
  await clearPairFailures(db, email, input.address);
  const rehashed = needsRehash(user.passwordHash)
    ? await withHashSlot(`rehash:${user.id}`, () => hashPassword(input.password))
    : null;
  await db.merchantUser.update({
    where: { id: user.id },
    data: { lastLoginAt: now, ...(rehashed ? { passwordHash: rehashed } : {}) },
  });
  await deleteSession(db, input.previousToken);
  const session = await createSession(db, user.id, now);
  return ok({ ...session, role: user.role });
}
