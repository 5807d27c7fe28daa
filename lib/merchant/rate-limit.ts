import type { Db } from "../db";
import { newId } from "../ids";

// Failed sign-ins, counted in the database so every app instance sees the same numbers.
// Throttled per (account, client address) with a growing delay, so an attacker hammering an
// account slows only themselves: its owner, from another address, still signs in. Per address
// across accounts a looser cap stops password spraying (an office NAT shares one address).
// Rows older than the window are deleted on every failure (indexed by createdAt).

export const LOGIN_WINDOW_MS = 15 * 60 * 1000;
/** Failures of one (account, address) pair allowed before the delays start. */
export const FREE_FAILURES_PER_PAIR = 3;
export const MAX_FAILURES_PER_ADDRESS = 30;
const MAX_DELAY_MS = LOGIN_WINDOW_MS;

export const pairKey = (email: string, address: string) => `pair:${email}|${address}`;
export const addressKey = (address: string) => `address:${address}`;

export type LimitCheck = { limited: false } | { limited: true; retryAfterSeconds: number };

/** 0 for the first free failures, then 1 s, 2 s, 4 s … up to 15 minutes. */
export function delayAfter(failures: number): number {
  if (failures < FREE_FAILURES_PER_PAIR) return 0;
  return Math.min(1000 * 2 ** (failures - FREE_FAILURES_PER_PAIR), MAX_DELAY_MS);
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export async function checkLoginLimits(db: Db, email: string, address: string, now = new Date()): Promise<LimitCheck> {
  const since = new Date(now.getTime() - LOGIN_WINDOW_MS);
  const pair = await db.loginFailure.findMany({
    where: { key: pairKey(email, address), createdAt: { gt: since } },
    orderBy: { createdAt: "desc" },
    take: 64,
    select: { createdAt: true },
  });
  const last = pair[0]?.createdAt;
  if (last) {
    const readyAt = last.getTime() + delayAfter(pair.length);
    if (readyAt > now.getTime()) return { limited: true, retryAfterSeconds: seconds(readyAt - now.getTime()) };
  }
  const byAddress = await db.loginFailure.findMany({
    where: { key: addressKey(address), createdAt: { gt: since } },
    orderBy: { createdAt: "desc" },
    take: MAX_FAILURES_PER_ADDRESS,
    select: { createdAt: true },
  });
  if (byAddress.length < MAX_FAILURES_PER_ADDRESS) return { limited: false };
  // Free again once the oldest of the last `max` failures leaves the window.
  const oldest = byAddress[byAddress.length - 1]?.createdAt ?? now;
  return { limited: true, retryAfterSeconds: seconds(oldest.getTime() + LOGIN_WINDOW_MS - now.getTime()) };
}

export async function recordLoginFailure(db: Db, email: string, address: string, now = new Date()): Promise<void> {
  await db.loginFailure.createMany({
    data: [
      { id: newId("lgf"), key: pairKey(email, address), createdAt: now },
      { id: newId("lgf"), key: addressKey(address), createdAt: now },
    ],
  });
  await db.loginFailure.deleteMany({ where: { createdAt: { lt: new Date(now.getTime() - LOGIN_WINDOW_MS) } } });
}

export async function clearPairFailures(db: Db, email: string, address: string): Promise<void> {
  await db.loginFailure.deleteMany({ where: { key: pairKey(email, address) } });
}
