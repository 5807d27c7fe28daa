import type { Db } from "../db";
import { newId } from "../ids";

// Failed sign-ins, counted in the database so every app instance sees the same numbers.
// Per account: 5 failures in 15 minutes lock it for the rest of the window; per address: 30
// (an office behind one NAT shares an address, so that limit is looser).

export const LOGIN_WINDOW_MS = 15 * 60 * 1000;
export const MAX_FAILURES_PER_ACCOUNT = 5;
export const MAX_FAILURES_PER_ADDRESS = 30;

export const accountKey = (email: string) => `account:${email}`;
export const addressKey = (address: string) => `address:${address}`;

export type LimitCheck = { limited: false } | { limited: true; retryAfterSeconds: number };

async function check(db: Db, key: string, max: number, now: Date): Promise<LimitCheck> {
  const since = new Date(now.getTime() - LOGIN_WINDOW_MS);
  const recent = await db.loginFailure.findMany({
    where: { key, createdAt: { gt: since } },
    orderBy: { createdAt: "desc" },
    take: max,
    select: { createdAt: true },
  });
  if (recent.length < max) return { limited: false };
  // Free again once the oldest of the last `max` failures leaves the window.
  const oldest = recent[recent.length - 1]?.createdAt ?? now;
  return {
    limited: true,
    retryAfterSeconds: Math.max(1, Math.ceil((oldest.getTime() + LOGIN_WINDOW_MS - now.getTime()) / 1000)),
  };
}

export async function checkLoginLimits(db: Db, email: string, address: string, now = new Date()): Promise<LimitCheck> {
  const byAccount = await check(db, accountKey(email), MAX_FAILURES_PER_ACCOUNT, now);
  if (byAccount.limited) return byAccount;
  return check(db, addressKey(address), MAX_FAILURES_PER_ADDRESS, now);
}

export async function recordLoginFailure(db: Db, email: string, address: string, now = new Date()): Promise<void> {
  await db.loginFailure.createMany({
    data: [
      { id: newId("lgf"), key: accountKey(email), createdAt: now },
      { id: newId("lgf"), key: addressKey(address), createdAt: now },
    ],
  });
  // Old rows are of no use: trim them on the way (indexed by key, createdAt).
  await db.loginFailure.deleteMany({
    where: {
      key: { in: [accountKey(email), addressKey(address)] },
      createdAt: { lt: new Date(now.getTime() - LOGIN_WINDOW_MS) },
    },
  });
}

export async function clearAccountFailures(db: Db, email: string): Promise<void> {
  await db.loginFailure.deleteMany({ where: { key: accountKey(email) } });
}
