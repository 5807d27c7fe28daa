import type { Db } from "../db";
import { fail, ok, type Result } from "../errors";
import { dummyHash, verifyPassword } from "./password";
import { checkLoginLimits, clearAccountFailures, recordLoginFailure } from "./rate-limit";
import { createSession } from "./sessions";
import { normalizeEmail } from "./users";

export type LoginInput = { email: string; password: string; address: string };
export type LoginSuccess = { token: string; csrfToken: string; expiresAt: Date; role: string };

// Sign-in. The limits are checked before the password, so a locked account answers the same
// whether or not the guess was right; unknown emails cost one scrypt too, so timing tells nothing.
export async function merchantLogin(db: Db, input: LoginInput, now = new Date()): Promise<Result<LoginSuccess>> {
  const email = normalizeEmail(input.email);
  const limit = await checkLoginLimits(db, email, input.address, now);
  if (limit.limited) {
    return fail("RATE_LIMITED", "too many failed sign-ins; try again later", {
      retryAfterSeconds: limit.retryAfterSeconds,
    });
  }
  const user = await db.merchantUser.findUnique({ where: { email } });
  const valid = await verifyPassword(input.password, user?.passwordHash ?? (await dummyHash()));
  if (!user || !valid || user.disabledAt) {
    await recordLoginFailure(db, email, input.address, now);
    return fail("INVALID_CREDENTIALS", "wrong email or password");
  }
  await clearAccountFailures(db, email);
  await db.merchantUser.update({ where: { id: user.id }, data: { lastLoginAt: now } });
  const session = await createSession(db, user.id, now);
  return ok({ ...session, role: user.role });
}
