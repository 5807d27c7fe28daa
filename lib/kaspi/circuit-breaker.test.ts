import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "./circuit-breaker";

function clockedBreaker() {
  let now = 0;
  const breaker = new CircuitBreaker({ failureThreshold: 3, openMs: 1_000, now: () => now });
  return { breaker, advance: (ms: number) => (now += ms) };
}

/** Tripped by three failures, and openMs has passed: the next call is the one trial. */
function halfOpenBreaker() {
  const clocked = clockedBreaker();
  for (let i = 0; i < 3; i++) clocked.breaker.onFailure();
  clocked.advance(1_000);
  return clocked;
}

describe("CircuitBreaker", () => {
  it("stays closed below the threshold, and a success resets the count", () => {
    const { breaker } = clockedBreaker();
    breaker.onFailure();
    breaker.onFailure();
    breaker.onSuccess();
    breaker.onFailure();
    breaker.onFailure();
    expect(breaker.state()).toBe("closed");
    expect(breaker.tryAcquire()).toBe(true);
  });

  it("opens after N failures in a row and refuses calls until openMs passed", () => {
    const { breaker, advance } = clockedBreaker();
    for (let i = 0; i < 3; i++) breaker.onFailure();
    expect(breaker.state()).toBe("open");
    expect(breaker.tryAcquire()).toBe(false);
    expect(breaker.retryInMs()).toBe(1_000);
    advance(999);
    expect(breaker.tryAcquire()).toBe(false);
    advance(1);
    expect(breaker.state()).toBe("half-open");
  });

  it("half-open lets exactly one trial through; its success closes the circuit", () => {
    const { breaker } = halfOpenBreaker();
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false);
    breaker.onSuccess();
    expect(breaker.state()).toBe("closed");
    expect(breaker.tryAcquire()).toBe(true);
  });

  it("a failed trial opens the circuit again for another openMs", () => {
    const { breaker, advance } = halfOpenBreaker();
    expect(breaker.tryAcquire()).toBe(true);
    breaker.onFailure();
    expect(breaker.state()).toBe("open");
    advance(500);
    expect(breaker.tryAcquire()).toBe(false);
  });
});
