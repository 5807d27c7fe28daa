import { describe, expect, it } from "vitest";
import { CheckoutPortalGuard, REUSE_MS, type ConfirmedPayment } from "@/lib/bitrix24/checkout-budget";

// The guard in isolation, on a hand-driven clock: budgets per payment and per store, 0 = off, and
// the short-lived reuse of a confirmation.

function guardAt(budgets: { perPayment: number; perStore: number }) {
  const clock = { now: 1_000_000 };
  return {
    clock,
    guard: new CheckoutPortalGuard(
      () => budgets,
      () => clock.now,
    ),
  };
}

const confirmation = (paymentId: string, sum = 12_500): ConfirmedPayment => ({
  paymentId,
  paySystemId: "7",
  sum,
  accountNumber: `${paymentId}/1`,
});

describe("CheckoutPortalGuard budgets", () => {
  it("allows perPayment calls a minute for one payment, then answers how long to wait", () => {
    const { clock, guard } = guardAt({ perPayment: 3, perStore: 100 });
    for (let i = 0; i < 3; i++) expect(guard.spend("1")).toEqual({ ok: true });
    clock.now += 20_000;
    expect(guard.spend("1")).toEqual({ ok: false, budget: "payment", perMinute: 3, waitMs: 40_000 });
    expect(guard.spend("2")).toEqual({ ok: true });
    clock.now += 40_000;
    expect(guard.spend("1")).toEqual({ ok: true });
  });

  it("does not let one payment's refused calls use up the store's budget", () => {
    const { guard } = guardAt({ perPayment: 2, perStore: 4 });
    for (let i = 0; i < 50; i++) guard.spend("1");
    // Two of the store's four were spent by payment 1; two remain for the others.
    expect(guard.spend("2")).toEqual({ ok: true });
    expect(guard.spend("3")).toEqual({ ok: true });
    expect(guard.spend("4")).toMatchObject({ ok: false, budget: "store", perMinute: 4 });
  });

  it("keeps the store's count under a flood of payment ids", () => {
    const { guard } = guardAt({ perPayment: 2, perStore: 5 });
    let allowed = 0;
    for (let i = 0; i < 30_000; i++) if (guard.spend(String(i)).ok) allowed++;
    expect(allowed).toBe(5);
  });

  it("treats 0 as no limit", () => {
    const { guard } = guardAt({ perPayment: 0, perStore: 0 });
    for (let i = 0; i < 1_000; i++) expect(guard.spend("1").ok).toBe(true);
  });
});

describe("CheckoutPortalGuard reuse", () => {
  it("answers with a confirmation for REUSE_MS, then no more", () => {
    const { clock, guard } = guardAt({ perPayment: 6, perStore: 60 });
    guard.remember(confirmation("1"));
    expect(guard.reusable("1")).toEqual(confirmation("1"));
    expect(guard.reusable("2")).toBeUndefined();
    clock.now += REUSE_MS - 1;
    expect(guard.reusable("1")).toEqual(confirmation("1"));
    clock.now += 1;
    expect(guard.reusable("1")).toBeUndefined();
  });

  it("replaces a confirmation with the newer one, and forgets it when told", () => {
    const { guard } = guardAt({ perPayment: 6, perStore: 60 });
    guard.remember(confirmation("1", 100));
    guard.remember(confirmation("1", 200));
    expect(guard.reusable("1")?.sum).toBe(200);
    guard.forget("1");
    expect(guard.reusable("1")).toBeUndefined();
  });

  it("keeps a bounded number of confirmations, dropping the oldest", () => {
    const { clock, guard } = guardAt({ perPayment: 6, perStore: 60 });
    for (let i = 0; i < 5_000; i++) {
      guard.remember(confirmation(String(i)));
      clock.now += 1;
    }
    expect(guard.reusable("0")).toBeUndefined();
    expect(guard.reusable("4999")).toBeDefined();
    const kept = Array.from({ length: 5_000 }, (_, i) => guard.reusable(String(i))).filter(Boolean);
    expect(kept.length).toBeLessThanOrEqual(1_000);
  });
});
