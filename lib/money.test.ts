import { describe, expect, it } from "vitest";
import { checkAmount, formatTenge } from "./money";

const limits = { min: 100, max: 5_000_000 };

describe("checkAmount", () => {
  it.each([100, 101, 12_500, 5_000_000])("accepts %s tenge", (value) => {
    expect(checkAmount(value, limits)).toEqual({ ok: true, amount: value });
  });

  it.each<[string, unknown, RegExp]>([
    ["zero", 0, /positive/],
    ["negative", -5, /positive/],
    ["fraction", 12.5, /whole/],
    ["tiny fraction", 100.000001, /whole/],
    ["string", "100", /number/],
    ["null", null, /number/],
    ["undefined", undefined, /number/],
    ["NaN", Number.NaN, /number/],
    ["Infinity", Number.POSITIVE_INFINITY, /number/],
    ["below minimum", 99, /at least 100/],
    ["above maximum", 5_000_001, /at most 5000000/],
  ])("rejects %s", (_name, value, message) => {
    const result = checkAmount(value, limits);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });
});

describe("formatTenge", () => {
  it.each([
    [0, "0\u00a0₸"],
    [999, "999\u00a0₸"],
    [1000, "1\u00a0000\u00a0₸"],
    [12_500, "12\u00a0500\u00a0₸"],
    [5_000_000, "5\u00a0000\u00a0000\u00a0₸"],
    [-1500, "-1\u00a0500\u00a0₸"],
  ])("formats %s as %j", (amount, text) => {
    expect(formatTenge(amount)).toBe(text);
  });

  it("never contains a breaking space", () => {
    expect(formatTenge(1_234_567)).not.toMatch(/ /);
  });
});
