// A circuit breaker per Kaspi host, so a Kaspi outage costs shoppers one timeout, not one per
// request, and Kaspi is not hammered while it is down. Closed → (N failures in a row) → open for
// `openMs` (calls fail at once) → half-open (one trial call) → closed on success, open again on
// failure. Process-local by design: each instance judges Kaspi's health from its own calls; no
// payment state lives here.

export type CircuitState = "closed" | "open" | "half-open";

export type CircuitOptions = { failureThreshold: number; openMs: number; now?: () => number };

export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private trialInFlight = false;
  private readonly now: () => number;

  constructor(private readonly options: CircuitOptions) {
    this.now = options.now ?? Date.now;
  }

  state(): CircuitState {
    if (this.failures < this.options.failureThreshold) return "closed";
    return this.now() - this.openedAt >= this.options.openMs ? "half-open" : "open";
  }

  /** May a call go out now? In half-open, only one trial at a time. */
  tryAcquire(): boolean {
    const state = this.state();
    if (state === "closed") return true;
    if (state === "open" || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  onSuccess(): void {
    this.failures = 0;
    this.trialInFlight = false;
  }

  onFailure(): void {
    this.trialInFlight = false;
    this.failures++;
    if (this.failures >= this.options.failureThreshold) this.openedAt = this.now();
  }

  /** Milliseconds until a trial call is allowed (0 when closed or half-open). */
  retryInMs(): number {
    return this.state() === "open" ? Math.max(0, this.options.openMs - (this.now() - this.openedAt)) : 0;
  }
}

const breakers = new Map<string, CircuitBreaker>();

/**
 * The breaker of a Kaspi host, per lane: reads (status GETs, which anyone can trigger by sending
 * callbacks) and writes (payment creation, refunds) are judged apart, so failing reads can never
 * shut payment creation.
 */
export function breakerFor(
  url: string,
  options: CircuitOptions = { failureThreshold: 5, openMs: 15_000 },
  lane: "reads" | "writes" = "writes",
) {
  const key = `${new URL(url).host}#${lane}`;
  let breaker = breakers.get(key);
  if (!breaker) {
    breaker = new CircuitBreaker(options);
    breakers.set(key, breaker);
  }
  return breaker;
}

/** Tests only. */
export function resetBreakers(): void {
  breakers.clear();
}
