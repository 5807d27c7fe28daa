import type { Db } from "../db";
import { isUniqueViolation } from "../db";
import { LeaseLost } from "./port";

// One request at a time per cash register, across every instance on the database (AN: "requests
// for one cashbox must be sequential"; AE: a broken sequence is refused with 9). The register's row
// is a lease taken by compare-and-set on lockedUntil, like the outbox's rows: the holder renews it
// before each request it sends, and a crashed holder's lease simply runs out. A holder whose lease
// was taken over learns it at its next renewal (LeaseLost) and sends nothing more.

export async function ensureCashbox(db: Db, id: string): Promise<void> {
  if (await db.fiscalCashbox.findUnique({ where: { id }, select: { id: true } })) return;
  try {
    await db.fiscalCashbox.create({ data: { id } });
  } catch (e) {
    if (!isUniqueViolation(e)) throw e; // another instance made it first
  }
}

export async function claimLease(
  db: Db,
  id: string,
  holder: string,
  leaseMs: number,
  now = new Date(),
): Promise<boolean> {
  const claimed = await db.fiscalCashbox.updateMany({
    where: { id, OR: [{ lockedUntil: null }, { lockedUntil: { lt: now } }, { lockedBy: holder }] },
    data: { lockedUntil: new Date(now.getTime() + leaseMs), lockedBy: holder },
  });
  return claimed.count === 1;
}

/** Extends the lease before a request; throws LeaseLost when another holder has it now. */
export async function renewLease(db: Db, id: string, holder: string, leaseMs: number): Promise<void> {
  const renewed = await db.fiscalCashbox.updateMany({
    where: { id, lockedBy: holder },
    data: { lockedUntil: new Date(Date.now() + leaseMs) },
  });
  if (renewed.count !== 1) throw new LeaseLost(`the lease on cash register ${id} passed to another instance`);
}

export async function releaseLease(db: Db, id: string, holder: string): Promise<void> {
  await db.fiscalCashbox.updateMany({ where: { id, lockedBy: holder }, data: { lockedUntil: null, lockedBy: null } });
}
