import type { Db } from "../db";
import { Slots } from "../slots";

// Callbacks are hints, and anyone can send them: a flood for a payment must not become a flood of
// Kaspi reads and database writes. A callback is verified by a "round": one Kaspi read, one
// verification note, the claims of every callback it covers, and the status applied.
//
// Per payment and per claimed status, at most one round starts every GAP_MS in this process:
// - the first callback claiming a status starts a round at once and waits for it (the normal case:
//   Kaspi's one callback per change is verified before it is answered);
// - a callback whose claim a round already covered in the last GAP_MS (running or finished) joins
//   the next round, scheduled GAP_MS after that one started, and is answered at once. Before it is
//   answered the payment's nextCheckAt is set no later than that round (one write per scheduled
//   round), so if this process dies the reconciler reads Kaspi instead: nothing true is lost, and
//   nothing about the payment is known only to this process's memory.
// - a claim no recent round covered (a late COMPLETED after EXPIRED) starts its own round at once.
// A round that could not reach Kaspi covers nothing: Kaspi's retry starts a fresh one.
// Claimed statuses outside Kaspi's list share one bucket, so varying the claim buys no extra reads.

export const GAP_MS = 3_000;

export type Claims = Map<string, number>;

type Slot = {
  /** When a round covering this claim last started (successful or still running). */
  coveredAt: Map<string, number>;
  /** The next round, when callbacks are waiting for it. */
  next?: { at: number; claims: Claims; timer: ReturnType<typeof setTimeout> };
  running: number;
  idleTimer?: ReturnType<typeof setTimeout>;
};

export type Admission =
  { kind: "now"; claims: Claims; done: (covered: boolean) => void } | { kind: "later"; at: Date; first: boolean };

export class CallbackRounds {
  private readonly slots = new Map<string, Slot>();
  /** Scheduled rounds fall due together after a burst: a few run at a time (lib/slots.ts). */
  private readonly due = new Slots(2, Number.MAX_SAFE_INTEGER);

  constructor(private readonly options: { gapMs: number; now?: () => number } = { gapMs: GAP_MS }) {}

  private get now(): number {
    return (this.options.now ?? Date.now)();
  }

  /**
   * Admits one callback for `paymentId` claiming `bucket`. "now": the caller runs the round and
   * reports whether it reached Kaspi (`done`). "later": it joined the scheduled round `run` will
   * perform at `at`; `first` is true for the callback that scheduled it.
   */
  admit(paymentId: string, bucket: string, run: (claims: Claims) => Promise<boolean>): Admission {
    const now = this.now;
    let slot = this.slots.get(paymentId);
    if (!slot) {
      slot = { coveredAt: new Map(), running: 0 };
      this.slots.set(paymentId, slot);
    }
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.idleTimer = undefined;
    const covered = slot.coveredAt.get(bucket);
    if (covered === undefined || now - covered >= this.options.gapMs) {
      return { kind: "now", claims: new Map([[bucket, 1]]), done: this.start(paymentId, slot, [bucket], now) };
    }
    if (slot.next) {
      slot.next.claims.set(bucket, (slot.next.claims.get(bucket) ?? 0) + 1);
      return { kind: "later", at: new Date(slot.next.at), first: false };
    }
    const at = Math.max(now, covered + this.options.gapMs);
    const next = {
      at,
      claims: new Map([[bucket, 1]]) as Claims,
      timer: setTimeout(() => this.due.run(() => this.fire(paymentId, run)), at - now),
    };
    next.timer.unref?.();
    slot.next = next;
    return { kind: "later", at: new Date(at), first: true };
  }

  private start(paymentId: string, slot: Slot, buckets: string[], now: number): (covered: boolean) => void {
    const previous = new Map(buckets.map((b) => [b, slot.coveredAt.get(b)]));
    for (const b of buckets) slot.coveredAt.set(b, now);
    slot.running++;
    let finished = false;
    return (reachedKaspi) => {
      if (finished) return;
      finished = true;
      slot.running--;
      if (!reachedKaspi) {
        // Covers nothing: restore what was there before (unless a later round has since started).
        for (const [b, before] of previous) {
          if (slot.coveredAt.get(b) !== now) continue;
          if (before === undefined) slot.coveredAt.delete(b);
          else slot.coveredAt.set(b, before);
        }
      }
      this.idleLater(paymentId, slot);
    };
  }

  private async fire(paymentId: string, run: (claims: Claims) => Promise<boolean>): Promise<void> {
    const slot = this.slots.get(paymentId);
    const next = slot?.next;
    if (!slot || !next) return;
    slot.next = undefined;
    const done = this.start(paymentId, slot, [...next.claims.keys()], this.now);
    let reached = false;
    try {
      reached = await run(next.claims);
    } catch {
      reached = false; // the reconciler's nextCheckAt (set when the round was scheduled) covers it
    } finally {
      done(reached);
    }
  }

  /** Forgets a payment once nothing is running or scheduled and its last round is GAP_MS old. */
  private idleLater(paymentId: string, slot: Slot): void {
    if (slot.running > 0 || slot.next) return;
    slot.idleTimer = setTimeout(() => {
      if (slot.running === 0 && !slot.next && this.slots.get(paymentId) === slot) this.slots.delete(paymentId);
    }, this.options.gapMs);
    slot.idleTimer.unref?.();
  }
}

const holder = globalThis as unknown as { __callbackRounds?: CallbackRounds };

/** This process's rounds (shared by the custom server and Next's copies of lib/). */
export function callbackRounds(): CallbackRounds {
  holder.__callbackRounds ??= new CallbackRounds();
  return holder.__callbackRounds;
}

/**
 * What Kaspi said about this payment within GAP_MS (mapped to our status), by any instance (the
 * timeline is in the database), or null. A callback claiming the same, with no round of this
 * process to join, is a duplicate: the reconciler is asked to look soon instead.
 */
export async function recentKaspiStatus(db: Db, paymentId: string, now = new Date()): Promise<string | null> {
  const recent = await db.paymentEvent.findFirst({
    where: { paymentId, type: "verification.result", createdAt: { gt: new Date(now.getTime() - GAP_MS) } },
    orderBy: { createdAt: "desc" },
    select: { data: true },
  });
  if (!recent?.data) return null;
  try {
    const status = (JSON.parse(recent.data) as { status?: unknown }).status;
    return typeof status === "string" ? status : null;
  } catch {
    return null;
  }
}

/** Asks the reconciler to read the payment by `at` (never later than it already would). */
export async function recheckBy(db: Db, paymentId: string, at: Date): Promise<void> {
  await db.payment.updateMany({
    where: {
      id: paymentId,
      status: { in: ["CREATED", "PENDING"] },
      OR: [{ nextCheckAt: null }, { nextCheckAt: { gt: at } }],
    },
    data: { nextCheckAt: at },
  });
}
