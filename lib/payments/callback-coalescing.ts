import type { Db } from "../db";
import { Slots } from "../slots";

// Callbacks are hints, and anyone can send them: a flood for a payment must not become a flood of
// Kaspi reads and database writes. A callback is verified by a "round": one Kaspi read, one
// verification note, the claims of every callback it covers, and the status applied.
//
// Per payment, in this process, one round runs at a time, and what the last rounds found decides
// when the next one may start:
// - a claim Kaspi confirmed (or one Kaspi cannot make true: a status outside its list, another
//   payment's externalId) is not asked about again for GAP_MS (3 s): its repeats are duplicates;
// - a claim Kaspi contradicted (a forged COMPLETED while the payment is open) opens a window of
//   RECHECK_MS (750 ms) from that round's start in which every claim for the payment waits for the
//   next round, due when the window closes. The claim may come true any moment (the shopper
//   confirms right after a forger's callback), so the genuine callback that follows waits at most
//   RECHECK_MS for its round, never a whole GAP_MS; and a flood, whatever it claims, still costs at
//   most one read per RECHECK_MS for the payment (a contradicted round renews the window);
// - anything else (the first callback claiming a status, a late COMPLETED after EXPIRED) starts a
//   round at once and waits for it: Kaspi's one callback per change is verified before it is
//   answered.
// A callback that cannot start a round joins the next one and is answered at once. While a round
// runs, every callback for the payment joins the next round, whose time is decided when the
// running one has answered. Before a joining callback is answered, the payment's nextCheckAt is set
// no later than the round it joined (one write per scheduled round), so if this process dies the
// reconciler reads Kaspi instead: nothing true is lost, and nothing about the payment is known only
// to this process's memory.
// A round that could not reach Kaspi covers nothing: Kaspi's retry starts a fresh one.
// Claimed statuses outside Kaspi's list share one bucket, so varying the claim buys no extra reads.
//
// Callbacks answered without a round (an unknown payment id, another payment's externalId) get the
// answer a rejected one gets, after as long as a round typically takes (`pace`), so neither the
// answer nor its timing tells which payment ids exist.

export const GAP_MS = 3_000;
export const RECHECK_MS = 750;
/** What `pace` waits before any round of this process has been timed. */
const ROUND_GUESS_MS = 100;
/** Rounds timed for `pace` (the median of the last few). */
const TIMED_ROUNDS = 9;
/** Ids and claims `pace` remembers within a GAP_MS; past that, callbacks are answered unpaced. */
const PACED_MAX = 10_000;

export type Claims = Map<string, number>;

/** What a round learnt: nothing (Kaspi not reached), or which of its claims Kaspi contradicted. */
export type Verdict = { reached: false } | { reached: true; contradicted: ReadonlySet<string> };
export const NOT_REACHED: Verdict = { reached: false };

type Next = {
  /** When it is due (only ever moves earlier); not armed while a round runs. */
  at: number;
  claims: Claims;
  run: (claims: Claims) => Promise<Verdict>;
  timer?: ReturnType<typeof setTimeout>;
};

type Slot = {
  /** Per claim: when the last round in which Kaspi confirmed it started. */
  confirmedAt: Map<string, number>;
  /** When the last round in which Kaspi contradicted a claim started. */
  contradictedAt?: number;
  /** The round running now (at most one per payment). */
  running: boolean;
  /** The next round, when callbacks are waiting for it. */
  next?: Next;
  idleTimer?: ReturnType<typeof setTimeout>;
};

export type Admission =
  | { kind: "now"; claims: Claims; done: (verdict: Verdict) => void }
  /** `setsTime`: this callback scheduled the round or brought it forward; `at` is the payment's nextCheckAt. */
  | { kind: "later"; at: Date; setsTime: boolean };

export type RoundOptions = {
  /** After a round in which Kaspi confirmed a claim (default GAP_MS). */
  gapMs: number;
  /** After a round in which Kaspi contradicted a claim (default RECHECK_MS, never above gapMs). */
  recheckMs?: number;
  now?: () => number;
};

export class CallbackRounds {
  private readonly slots = new Map<string, Slot>();
  /** Scheduled rounds fall due together after a burst: a few run at a time (lib/slots.ts). */
  private readonly due = new Slots(2, Number.MAX_SAFE_INTEGER);
  private readonly recheckMs: number;
  /** How long the last rounds that answered a callback took (ms), oldest first. */
  private readonly took: number[] = [];
  /** Paced ids and claims → when, oldest first. */
  private readonly paced = new Map<string, number>();
  private pacing = false;

  constructor(private readonly options: RoundOptions = { gapMs: GAP_MS }) {
    this.recheckMs = Math.min(options.recheckMs ?? RECHECK_MS, options.gapMs);
  }

  private get now(): number {
    return (this.options.now ?? Date.now)();
  }

  /**
   * Admits one callback for `paymentId` claiming `bucket`. "now": the caller runs the round and
   * reports what it found (`done`). "later": it joined the round `run` will perform by `at`.
   */
  admit(paymentId: string, bucket: string, run: (claims: Claims) => Promise<Verdict>): Admission {
    const now = this.now;
    let slot = this.slots.get(paymentId);
    if (!slot) {
      slot = { confirmedAt: new Map(), running: false };
      this.slots.set(paymentId, slot);
    }
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.idleTimer = undefined;
    const due = this.dueOf(slot, bucket);
    if (!slot.running && due <= now) {
      return { kind: "now", claims: new Map([[bucket, 1]]), done: this.start(paymentId, slot, [bucket], true) };
    }
    slot.next ??= { at: Infinity, claims: new Map(), run };
    const next = slot.next;
    next.claims.set(bucket, (next.claims.get(bucket) ?? 0) + 1);
    // While a round runs, its answer decides; until then the promise is the longest gap.
    const at = slot.running ? now + this.options.gapMs : Math.max(now, due);
    const setsTime = at < next.at;
    if (setsTime) {
      next.at = at;
      if (!slot.running) this.arm(paymentId, next);
    }
    return { kind: "later", at: new Date(next.at), setsTime };
  }

  /** When the next round for the payment is due, if one is scheduled (tests, diagnostics). */
  nextRoundAt(paymentId: string): Date | null {
    const next = this.slots.get(paymentId)?.next;
    return next ? new Date(next.at) : null;
  }

  /**
   * For a callback answered without a round: resolves when a callback that started one would
   * typically be answered (the median of the last rounds), for the first callback per id and claim
   * within a GAP_MS; later ones at once, like the callbacks that join a scheduled round. One
   * callback waits at a time (a flood of made-up ids holds no more than one place); `since` is
   * when the callback's handling began.
   */
  async pace(key: string, since: number): Promise<void> {
    const now = this.now;
    for (const [k, at] of this.paced) {
      if (now - at < this.options.gapMs) break;
      this.paced.delete(k);
    }
    const last = this.paced.get(key);
    if (this.pacing || (last !== undefined && now - last < this.options.gapMs) || this.paced.size >= PACED_MAX) return;
    this.paced.delete(key);
    this.paced.set(key, now);
    const wait = this.typicalRoundMs() - (now - since);
    if (wait <= 0) return;
    this.pacing = true;
    try {
      await new Promise((resolve) => setTimeout(resolve, wait));
    } finally {
      this.pacing = false;
    }
  }

  /** The median time of the last rounds that answered a callback in this process. */
  typicalRoundMs(): number {
    if (this.took.length === 0) return ROUND_GUESS_MS;
    const sorted = [...this.took].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] as number;
  }

  /** Earliest time a round may verify `bucket` (at or before now: at once). */
  private dueOf(slot: Slot, bucket: string): number {
    let due = -Infinity;
    const confirmed = slot.confirmedAt.get(bucket);
    if (confirmed !== undefined) due = confirmed + this.options.gapMs;
    if (slot.contradictedAt !== undefined) due = Math.max(due, slot.contradictedAt + this.recheckMs);
    return due;
  }

  private arm(paymentId: string, next: Next): void {
    if (next.timer) clearTimeout(next.timer);
    next.timer = setTimeout(() => this.due.run(() => this.fire(paymentId, next)), Math.max(0, next.at - this.now));
    next.timer.unref?.();
  }

  private start(paymentId: string, slot: Slot, buckets: string[], timed: boolean): (verdict: Verdict) => void {
    const startedAt = this.now;
    slot.running = true;
    let finished = false;
    return (verdict) => {
      if (finished) return;
      finished = true;
      slot.running = false;
      if (verdict.reached) {
        for (const b of buckets) if (!verdict.contradicted.has(b)) slot.confirmedAt.set(b, startedAt);
        if (verdict.contradicted.size > 0) slot.contradictedAt = Math.max(slot.contradictedAt ?? startedAt, startedAt);
        if (timed) {
          this.took.push(this.now - startedAt);
          if (this.took.length > TIMED_ROUNDS) this.took.shift();
        }
      }
      const next = slot.next;
      if (next) {
        const due = Math.min(...[...next.claims.keys()].map((b) => this.dueOf(slot, b)));
        next.at = Math.max(this.now, Math.min(next.at, due));
        this.arm(paymentId, next);
      } else {
        this.idleLater(paymentId, slot);
      }
    };
  }

  private async fire(paymentId: string, next: Next): Promise<void> {
    const slot = this.slots.get(paymentId);
    if (!slot || slot.next !== next) return;
    next.timer = undefined;
    if (slot.running) return; // armed again when that round has answered
    slot.next = undefined;
    const done = this.start(paymentId, slot, [...next.claims.keys()], false);
    let verdict = NOT_REACHED;
    try {
      verdict = await next.run(next.claims);
    } catch {
      verdict = NOT_REACHED; // the reconciler's nextCheckAt (set when the round was scheduled) covers it
    } finally {
      done(verdict);
    }
  }

  /** Forgets a payment once nothing is running or scheduled and its last round is GAP_MS old. */
  private idleLater(paymentId: string, slot: Slot): void {
    if (slot.running || slot.next) return;
    slot.idleTimer = setTimeout(() => {
      if (!slot.running && !slot.next && this.slots.get(paymentId) === slot) this.slots.delete(paymentId);
    }, this.options.gapMs);
    slot.idleTimer.unref?.();
  }
}

const holder = globalThis as unknown as { __callbackRounds?: CallbackRounds };

/** This process's rounds: on globalThis because Next evaluates lib/ once per bundle (instrumentation, proxy, routes; see instrumentation.ts), and rounds must be one per process. */
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
