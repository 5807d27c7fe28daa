// Money is a whole number of tenge everywhere in this app: KZT has no kopecks in this flow.

export type Tenge = number;

export type AmountLimits = { min: number; max: number };

export type AmountCheck = { ok: true; amount: Tenge } | { ok: false; message: string };

export function checkAmount(value: unknown, limits: AmountLimits): AmountCheck {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    return { ok: false, message: "amount must be a number of tenge" };
  }
  if (!Number.isInteger(value)) return { ok: false, message: "amount must be a whole number of tenge" };
  if (value <= 0) return { ok: false, message: "amount must be positive" };
  if (value < limits.min) return { ok: false, message: `amount must be at least ${limits.min} tenge` };
  if (value > limits.max) return { ok: false, message: `amount must be at most ${limits.max} tenge` };
  return { ok: true, amount: value };
}

const NBSP = "\u00a0";

/** 12500 → "12 500 ₸" (non-breaking spaces, so the amount never wraps). */
export function formatTenge(amount: Tenge): string {
  const sign = amount < 0 ? "-" : "";
  const digits = Math.abs(Math.trunc(amount)).toString();
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, NBSP);
  return `${sign}${grouped}${NBSP}₸`;
}
