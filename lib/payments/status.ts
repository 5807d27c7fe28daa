// Our payment statuses, shared by the server and the polling client (this file is client-safe).
import type { KaspiStatus } from "../kaspi/gateway";

export const PAYMENT_STATUSES = [
  "CREATED",
  "PENDING",
  "PAID",
  "FAILED",
  "EXPIRED",
  "CANCELLED",
  "REFUNDED",
  "PARTIALLY_REFUNDED",
] as const;

export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export function isPaymentStatus(value: string): value is PaymentStatus {
  return (PAYMENT_STATUSES as readonly string[]).includes(value);
}

/** Terminal for the shopper: nothing more will happen on the checkout page by itself. */
export function isTerminal(status: PaymentStatus | undefined | null): boolean {
  return (
    status === "PAID" ||
    status === "FAILED" ||
    status === "EXPIRED" ||
    status === "CANCELLED" ||
    status === "REFUNDED" ||
    status === "PARTIALLY_REFUNDED"
  );
}

/** Statuses in which money was collected (refunds keep it "was paid"). */
export function isPaidLike(status: PaymentStatus): boolean {
  return status === "PAID" || status === "REFUNDED" || status === "PARTIALLY_REFUNDED";
}

/** Compile-time check: every status the Kaspi port reports is one of ours. */
export type KaspiStatusIsOurs = KaspiStatus extends PaymentStatus ? true : never;
const kaspiStatusIsOurs: KaspiStatusIsOurs = true;
void kaspiStatusIsOurs;
