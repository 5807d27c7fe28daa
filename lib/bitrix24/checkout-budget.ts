import { RateLimiter } from "../http/rate-limit";

// The checkout key is public (the IFRAME_DATA page carries it to every shopper), so anyone can make
// POST /api/bitrix24/checkout ask the portal about a payment. Each question is REST calls on the
// store's webhook, against the portal's REST limits (cloud Bitrix24: a leaky bucket draining 2
// calls a second, blocking past 50 — 5 and 250 on Enterprise — per portal, shared with the outbox
// and the store's other integrations; bitrix24/b24restdocs limits.md). This guard sits before every
// REST call of the checkout:
// - budgets: REST calls a minute per Bitrix24 payment and per store (one deployment = one store),
//   fixed windows like the app's request limits (lib/http/rate-limit.ts), per instance;
// - reuse: what the portal confirmed for a payment answers a repeat of the same claim (same
//   payment, pay system and sum) for REUSE_MS without asking again. A claim with another sum, pay
//   system or payment id is never answered from it.

export type RestBudgets = {
  /** REST calls a minute for one PAYMENT_ID; 0 = no limit. */
  perPayment: number;
  /** REST calls a minute for the whole store; 0 = no limit. */
  perStore: number;
};

/** What the portal confirmed: the payment exists, is unpaid, in KZT, of a Kaspi pay system, with this sum. */
export type ConfirmedPayment = { paymentId: string; paySystemId: string; sum: number; accountNumber: string };

export type Spent = { ok: true } | { ok: false; budget: "payment" | "store"; perMinute: number; waitMs: number };

/** How long a confirmation answers repeats (the shopper's retry, a reload) without the portal. */
export const REUSE_MS = 60_000;
const MAX_CONFIRMED = 1_000;
const MAX_PAYMENT_KEYS = 10_000;

export class CheckoutPortalGuard {
  // Two limiters: a flood of payment ids can only push other payment ids out, never the store's count.
  private readonly payments: RateLimiter;
  private readonly store: RateLimiter;
  // Insertion order is confirmation order (a renewed entry is re-inserted): oldest first.
  private readonly confirmed = new Map<string, ConfirmedPayment & { at: number }>();

  constructor(
    private readonly budgets: () => RestBudgets,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.payments = new RateLimiter(now, MAX_PAYMENT_KEYS);
    this.store = new RateLimiter(now, 1);
  }

  /**
   * Counts one REST call about this payment against both budgets (the store's only once the
   * payment's allows it: one payment's flood does not use up the store's budget).
   */
  spend(paymentId: string): Spent {
    const { perPayment, perStore } = this.budgets();
    if (perPayment > 0) {
      const waitMs = this.payments.hit(paymentId, { perMinute: perPayment });
      if (waitMs > 0) return { ok: false, budget: "payment", perMinute: perPayment, waitMs };
    }
    if (perStore > 0) {
      const waitMs = this.store.hit("store", { perMinute: perStore });
      if (waitMs > 0) return { ok: false, budget: "store", perMinute: perStore, waitMs };
    }
    return { ok: true };
  }

  /** The payment's confirmation while it may still answer a repeat. */
  reusable(paymentId: string): ConfirmedPayment | undefined {
    const entry = this.confirmed.get(paymentId);
    if (!entry) return undefined;
    if (this.now() - entry.at >= REUSE_MS) {
      this.confirmed.delete(paymentId);
      return undefined;
    }
    const { at: _at, ...payment } = entry;
    return payment;
  }

  remember(payment: ConfirmedPayment): void {
    const now = this.now();
    this.confirmed.delete(payment.paymentId);
    for (const [id, entry] of this.confirmed) {
      if (now - entry.at < REUSE_MS && this.confirmed.size < MAX_CONFIRMED) break;
      this.confirmed.delete(id);
    }
    this.confirmed.set(payment.paymentId, { ...payment, at: now });
  }

  /** The portal said something else about the payment: its confirmation answers nothing more. */
  forget(paymentId: string): void {
    this.confirmed.delete(paymentId);
  }
}
