import { describe, expect, it } from "vitest";
import { canTransition, sourcesOf, TRANSITIONS } from "./state-machine";
import { isPaidLike, isTerminal, PAYMENT_STATUSES, type PaymentStatus } from "./status";

const ALL = PAYMENT_STATUSES;
const pairs = ALL.flatMap((from) => ALL.map((to) => [from, to] as const));

// The whole table, spelled out: any change to TRANSITIONS must be made here too, on purpose.
const ALLOWED = new Set<string>([
  "CREATED→PENDING",
  "CREATED→PAID",
  "CREATED→FAILED",
  "CREATED→EXPIRED",
  "CREATED→CANCELLED",
  "PENDING→PAID",
  "PENDING→FAILED",
  "PENDING→EXPIRED",
  "PENDING→CANCELLED",
  "FAILED→PAID",
  "EXPIRED→PAID",
  "CANCELLED→PAID",
  "PAID→PARTIALLY_REFUNDED",
  "PAID→REFUNDED",
  "PARTIALLY_REFUNDED→PARTIALLY_REFUNDED",
  "PARTIALLY_REFUNDED→REFUNDED",
]);

describe("TRANSITIONS", () => {
  it("has a row for every status", () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...ALL].sort());
  });

  it.each(pairs)("%s → %s is allowed only if listed", (from, to) => {
    expect(canTransition(from, to)).toBe(ALLOWED.has(`${from}→${to}`));
  });

  it.each<PaymentStatus>(["FAILED", "EXPIRED", "PENDING", "CREATED", "CANCELLED"])("PAID never goes to %s", (to) => {
    expect(canTransition("PAID", to)).toBe(false);
  });

  it("nothing paid-like ever becomes unpaid", () => {
    for (const [from, to] of pairs) {
      if (isPaidLike(from) && canTransition(from, to)) expect(isPaidLike(to), `${from} → ${to}`).toBe(true);
    }
  });

  it("refunds come only from paid statuses", () => {
    expect(sourcesOf("REFUNDED").sort()).toEqual(["PAID", "PARTIALLY_REFUNDED"]);
    expect(sourcesOf("PARTIALLY_REFUNDED").sort()).toEqual(["PAID", "PARTIALLY_REFUNDED"]);
  });

  it("REFUNDED is final; CANCELLED can only become PAID (money Kaspi says was taken)", () => {
    expect(TRANSITIONS.REFUNDED).toEqual([]);
    expect(TRANSITIONS.CANCELLED).toEqual(["PAID"]);
  });

  it("nothing goes back to CREATED, and PENDING is reached only from CREATED", () => {
    expect(sourcesOf("CREATED")).toEqual([]);
    expect(sourcesOf("PENDING")).toEqual(["CREATED"]);
  });

  it("a late Kaspi confirmation may still pay a FAILED, EXPIRED or CANCELLED attempt", () => {
    expect(sourcesOf("PAID").sort()).toEqual(["CANCELLED", "CREATED", "EXPIRED", "FAILED", "PENDING"]);
  });

  it("FAILED, EXPIRED and CANCELLED are reached only from open statuses", () => {
    for (const to of ["FAILED", "EXPIRED", "CANCELLED"] as const) {
      expect(sourcesOf(to).sort()).toEqual(["CREATED", "PENDING"]);
    }
  });

  it("FAILED, EXPIRED and CANCELLED can only ever become PAID", () => {
    for (const [from, to] of pairs) {
      if (canTransition(from, to) && isTerminal(from) && !isPaidLike(from)) {
        expect(to).toBe("PAID");
      }
    }
  });
});
