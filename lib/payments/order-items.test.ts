import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { itemsTotalMilli, parseOrderItems } from "./order-items";

// The intake's line check on generated input: it never throws, and it accepts exactly the lists
// whose lines are valid and add up to the amount, to the thousandth of a tenge.

const line = fc.record({
  name: fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim().length > 0),
  quantity: fc.integer({ min: 1, max: 100_000 }).map((m) => m / 1000),
  price: fc.integer({ min: 1, max: 1_000_000 }),
  vatRate: fc.constantFrom(null, 0, 16),
});

describe("parseOrderItems", () => {
  it("accepts valid lines exactly when they add up to the amount", () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 30 }), fc.integer({ min: -2, max: 2 }), (items, shift) => {
        const total = itemsTotalMilli(items);
        if (total % 1000 !== 0) {
          expect(parseOrderItems(items, Math.floor(total / 1000)).ok).toBe(false);
          return;
        }
        const amount = total / 1000 + shift;
        const parsed = parseOrderItems(items, amount);
        expect(parsed.ok).toBe(shift === 0);
        if (!parsed.ok) expect(parsed.error.code).toBe("INVALID_ITEMS");
      }),
      { numRuns: 500 },
    );
  });

  it("never throws on anything, and refuses it with INVALID_ITEMS", () => {
    fc.assert(
      fc.property(fc.anything(), fc.integer({ min: 1, max: 10_000_000 }), (raw, amount) => {
        const parsed = parseOrderItems(raw, amount);
        if (!parsed.ok) expect(parsed.error.code).toBe("INVALID_ITEMS");
      }),
      { numRuns: 1000 },
    );
  });
});
