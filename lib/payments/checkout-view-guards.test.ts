import { describe, expect, it } from "vitest";
import { readPaymentView, readStatusView } from "./checkout-view-guards";
import { paymentViewSchema, statusViewSchema } from "./checkout-views";

// The browser's readers must agree with the server's schemas: same accept/reject, same value.

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

const ANY: unknown[] = [undefined, null, 0, -1, 1.5, 2 ** 60, "", "x", true, [], {}, ["PAID"], { a: 1 }];
const field = (r: () => number, good: unknown[]) => (r() < 0.7 ? pick(r, good) : pick(r, ANY));

function statusCandidate(r: () => number): unknown {
  if (r() < 0.05) return pick(r, ANY);
  const o: Record<string, unknown> = {};
  if (r() < 0.95) o.status = field(r, ["PAID", "PENDING", "CREATED", "REFUNDED", "paid", "UNKNOWN"]);
  if (r() < 0.95) o.updatedAt = field(r, ["2026-12-01T10:00:00.000Z", "x"]);
  if (r() < 0.4) o.stage = field(r, ["awaiting_scan", "awaiting_confirmation", "scan", undefined]);
  if (r() < 0.4) {
    o.loan = field(r, [
      { offerName: "Kaspi Red" },
      { offerName: "Рассрочка", term: 12 },
      { offerName: "x", term: "12" },
      { term: 3 },
      { offerName: "y", term: undefined, extra: 1 },
    ]);
  }
  if (r() < 0.2) o.extra = "dropped";
  return o;
}

function paymentCandidate(r: () => number): unknown {
  if (r() < 0.05) return pick(r, ANY);
  const o: Record<string, unknown> = {};
  if (r() < 0.95) o.status = field(r, ["PENDING", "PAID", "FAILED", "nope"]);
  if (r() < 0.95) o.attempt = field(r, [0, 1, 7, -1, 1.5, 2 ** 53, "1"]);
  if (r() < 0.5) o.paymentLink = field(r, ["https://pay.kaspi.kz/pay/x", undefined]);
  if (r() < 0.5) {
    o.qr = field(r, [
      { format: "text", value: "https://x" },
      { format: "png-base64", value: "iVBOR" },
      { format: "svg", value: "x" },
      { format: "text" },
      { format: "text", value: "v", extra: true },
    ]);
  }
  if (r() < 0.4) o.expiresAt = field(r, ["2026-12-01T10:15:00.000Z", undefined]);
  if (r() < 0.4) o.presentation = field(r, ["qr", "link", "remote", "sms"]);
  if (r() < 0.3) {
    o.kaspiForm = field(r, [
      { action: "https://kaspi.kz/online", fields: { TranId: "1041", Amount: "1250000" } },
      { action: "https://kaspi.kz/online", fields: {} },
      { action: "https://kaspi.kz/online", fields: { Amount: 1250000 } },
      { action: "https://kaspi.kz/online", fields: ["TranId"] },
      { action: 1, fields: {} },
      { fields: { TranId: "1" } },
      { action: "https://kaspi.kz/online", fields: { TranId: "1" }, extra: true },
    ]);
  }
  if (r() < 0.2) o.extra = 1;
  return o;
}

/** Same accept/reject and value on 5,000 inputs, with both outcomes well exercised. */
function agree(
  seed: number,
  candidate: (r: () => number) => unknown,
  schema: { safeParse(v: unknown): { success: true; data: unknown } | { success: false } },
  read: (v: unknown) => unknown,
): void {
  const r = rng(seed);
  let accepted = 0;
  for (let i = 0; i < 5_000; i++) {
    const input = candidate(r);
    const zod = schema.safeParse(input);
    const mine = read(input);
    expect(mine, JSON.stringify(input)).toEqual(zod.success ? zod.data : null);
    if (mine) accepted++;
  }
  expect(accepted).toBeGreaterThan(200);
  expect(accepted).toBeLessThan(4_500);
}

describe("checkout view readers match the schemas", () => {
  it("status: 5,000 generated inputs", () => agree(1, statusCandidate, statusViewSchema, readStatusView));
  it("payment: 5,000 generated inputs", () => agree(2, paymentCandidate, paymentViewSchema, readPaymentView));
});
