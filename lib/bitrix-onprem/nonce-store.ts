import type { Db } from "../db";
import { isUniqueViolation } from "../db";
import { DEFAULT_STORE_ID } from "../stores/store-id";

// Seen signature nonces, in the database so that every app instance refuses a replay. A nonce is
// kept as long as its timestamp could still pass the clock check (timestamp + tolerance); after
// that the clock check refuses the request anyway, so the row can go. Nonces are per store: each
// store's requests are signed with its own secret, so one store's nonce says nothing of another's.

const SWEEP_EVERY_MS = 30_000;
let lastSweep = 0;

/** Records a nonce of a store (default: the default store); false when that store has seen it (a replay). */
export async function claimNonce(
  db: Db,
  input: { storeId?: string; nonce: string; timestampSeconds: number; toleranceSeconds: number; now?: Date },
): Promise<boolean> {
  const now = input.now ?? new Date();
  await sweepExpired(db, now);
  try {
    await db.signatureNonce.create({
      data: {
        storeId: input.storeId ?? DEFAULT_STORE_ID,
        nonce: input.nonce,
        expiresAt: new Date((input.timestampSeconds + input.toleranceSeconds + 1) * 1000),
      },
    });
    return true;
  } catch (e) {
    if (isUniqueViolation(e)) return false;
    throw e;
  }
}

/** Deletes expired nonces at most every 30 s per process (an indexed range delete). */
async function sweepExpired(db: Db, now: Date): Promise<void> {
  if (now.getTime() - lastSweep < SWEEP_EVERY_MS) return;
  lastSweep = now.getTime();
  await db.signatureNonce.deleteMany({ where: { expiresAt: { lt: now } } });
}
