// Fixed-window rate limits per route group and client key. Process-local on purpose: it protects
// this instance from floods; no payment state lives here, and limits are per instance.

export type Limit = { perMinute: number };

type Window = { start: number; count: number };

const WINDOW_MS = 60_000;
const MAX_KEYS = 100_000;

export class RateLimiter {
  private windows = new Map<string, Window>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Counts one request; answers how long to wait when over the limit, else 0. */
  hit(key: string, limit: Limit): number {
    const now = this.now();
    let w = this.windows.get(key);
    if (!w || now - w.start >= WINDOW_MS) {
      if (this.windows.size >= MAX_KEYS) this.sweep(now);
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    return w.count > limit.perMinute ? WINDOW_MS - (now - w.start) : 0;
  }

  private sweep(now: number): void {
    for (const [key, w] of this.windows) if (now - w.start >= WINDOW_MS) this.windows.delete(key);
    // Still full: a flood of distinct keys. Start over rather than grow without bound.
    if (this.windows.size >= MAX_KEYS) this.windows.clear();
  }
}
