// Fixed-window rate limits per route group and client key. Process-local on purpose: they protect
// this instance's CPU from floods, so the limits are per instance; nothing that decides money or
// security across instances lives here (sign-in throttling and signature nonces are in the database).

export type Limit = { perMinute: number };

type Window = { start: number; count: number };

const WINDOW_MS = 60_000;
export const DEFAULT_MAX_KEYS = 100_000;

export class RateLimiter {
  // Insertion order is window-start order (a renewed window is re-inserted), so the first keys are
  // always the ones closest to expiry.
  private windows = new Map<string, Window>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxKeys = DEFAULT_MAX_KEYS,
  ) {}

  get size(): number {
    return this.windows.size;
  }

  /** Counts one request; answers how long to wait when over the limit, else 0. */
  hit(key: string, limit: Limit): number {
    const now = this.now();
    let w = this.windows.get(key);
    if (!w || now - w.start >= WINDOW_MS) {
      this.windows.delete(key);
      if (this.windows.size >= this.maxKeys) this.makeRoom(now);
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    return w.count > limit.perMinute ? WINDOW_MS - (now - w.start) : 0;
  }

  /**
   * Memory stays bounded without resetting everyone: expired windows go first; under a flood of
   * distinct keys, a tenth of the table is dropped, taking keys seen once (what a flood of random
   * keys is made of) before any other, oldest first. A client being counted, or limited, keeps
   * its count. One scan per tenth of the table keeps this cheap.
   */
  private makeRoom(now: number): void {
    for (const [key, w] of this.windows) {
      if (now - w.start < WINDOW_MS) break;
      this.windows.delete(key);
    }
    if (this.windows.size < this.maxKeys) return;
    let drop = Math.max(1, Math.ceil(this.maxKeys / 10));
    for (const [key, w] of this.windows) {
      if (drop <= 0) return;
      if (w.count <= 1) {
        this.windows.delete(key);
        drop--;
      }
    }
    for (const key of this.windows.keys()) {
      if (drop-- <= 0) return;
      this.windows.delete(key);
    }
  }
}
