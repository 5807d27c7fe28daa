import type { PaymentStatus } from "./status";

// The one transition table. Statuses never move backwards: nothing leaves PAID except refunds.
// FAILED, EXPIRED and CANCELLED may still become PAID, because that only happens when Kaspi's own
// status call says the money was taken (a late confirmation, or a superseded link the shopper paid
// anyway): the truth at Kaspi wins over our clock, and such money must show up to be refunded.
export const TRANSITIONS: Record<PaymentStatus, readonly PaymentStatus[]> = {
  CREATED: ["PENDING", "PAID", "FAILED", "EXPIRED", "CANCELLED"],
  PENDING: ["PAID", "FAILED", "EXPIRED", "CANCELLED"],
  FAILED: ["PAID"],
  EXPIRED: ["PAID"],
  CANCELLED: ["PAID"],
  PAID: ["PARTIALLY_REFUNDED", "REFUNDED"],
  PARTIALLY_REFUNDED: ["PARTIALLY_REFUNDED", "REFUNDED"],
  REFUNDED: [],
};

export function canTransition(from: PaymentStatus, to: PaymentStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Every status from which `to` may be reached: the guard of a compare-and-set update. */
export function sourcesOf(to: PaymentStatus): PaymentStatus[] {
  return (Object.keys(TRANSITIONS) as PaymentStatus[]).filter((from) => canTransition(from, to));
}
