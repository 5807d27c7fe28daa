import { randomBytes } from "node:crypto";
import type {
  CreatePaymentInput,
  CreatedPayment,
  KaspiError,
  KaspiGateway,
  KaspiPaymentState,
  KaspiResult,
  KaspiStatus,
  RefundInput,
  RefundResult,
  RefundSupport,
} from "@/lib/kaspi/gateway";

// An in-memory Kaspi for unit and route tests. It behaves like the eCommerce API (one payment per
// externalId, GET answers the payment's status) and lets a test steer it: set a payment's status,
// answer a different amount, fail the next calls, and count what was called.

type FakePayment = {
  input: CreatePaymentInput;
  status: KaspiStatus;
  rawStatus: string;
  amount: number;
  refunded: number;
};

const RAW: Record<KaspiStatus, string> = {
  PENDING: "PENDING",
  PAID: "COMPLETED",
  FAILED: "FAILED",
  EXPIRED: "EXPIRED",
  CANCELLED: "CANCELLED",
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createFakeKaspiGateway(options: { createDelayMs?: number; refundSupport?: RefundSupport } = {}) {
  const payments = new Map<string, FakePayment>();
  const createFailures: KaspiError[] = [];
  let loseNextAnswer = false;
  const getFailures: KaspiError[] = [];
  const refundFailures: KaspiError[] = [];
  const calls = { createPayment: 0, getPayment: 0, refund: 0 };
  const refunds: RefundInput[] = [];
  const created: CreatePaymentInput[] = [];
  // Kaspi's ids are unique across every fake of a test file (they share one database).
  const run = randomBytes(4).toString("hex");
  let seq = 0;

  const gateway = {
    protocol: "ecom",
    refundSupport: options.refundSupport ?? ({ supported: true, partial: true } as RefundSupport),

    async createPayment(input: CreatePaymentInput): Promise<KaspiResult<CreatedPayment>> {
      calls.createPayment++;
      // Yield like a network call would, so concurrent callers really interleave.
      await sleep(options.createDelayMs ?? 5);
      const failure = createFailures.shift();
      if (failure) return { ok: false, error: failure };
      // Like the sandbox: a repeat of the same externalId and amount answers the same payment.
      for (const [id, p] of payments) {
        if (p.input.externalId !== input.externalId) continue;
        if (p.input.amount !== input.amount) {
          return { ok: false, error: { kind: "rejected", message: "externalId already used", httpStatus: 409 } };
        }
        const link = `https://pay.kaspi.test/p/${id}`;
        return { ok: true, value: { kaspiPaymentId: id, paymentLink: link, qr: { format: "text", value: link } } };
      }
      seq++;
      const kaspiPaymentId = `fake-${run}-${seq}`;
      payments.set(kaspiPaymentId, {
        input,
        status: "PENDING",
        rawStatus: "PENDING",
        amount: input.amount,
        refunded: 0,
      });
      created.push(input);
      if (loseNextAnswer) {
        loseNextAnswer = false;
        return { ok: false, error: { kind: "unavailable", message: "no answer within 10000 ms" } };
      }
      const paymentLink = `https://pay.kaspi.test/p/${kaspiPaymentId}`;
      return { ok: true, value: { kaspiPaymentId, paymentLink, qr: { format: "text", value: paymentLink } } };
    },

    async getPayment(kaspiPaymentId: string): Promise<KaspiResult<KaspiPaymentState>> {
      calls.getPayment++;
      await sleep(1);
      const failure = getFailures.shift();
      if (failure) return { ok: false, error: failure };
      const p = payments.get(kaspiPaymentId);
      if (!p) return { ok: false, error: { kind: "rejected", message: "payment not found", httpStatus: 404 } };
      return {
        ok: true,
        value: {
          kaspiPaymentId,
          status: p.status,
          rawStatus: p.rawStatus,
          amount: p.amount,
          externalId: p.input.externalId,
        },
      };
    },

    // Like Kaspi: only paid payments, never more than what is left, and the same refundId once.
    async refund(input: RefundInput): Promise<KaspiResult<RefundResult>> {
      calls.refund++;
      await sleep(1);
      const failure = refundFailures.shift();
      if (failure) return { ok: false, error: failure };
      if (!gateway.refundSupport.supported) {
        return { ok: false, error: { kind: "rejected", message: "refunds are not supported" } };
      }
      const p = payments.get(input.kaspiPaymentId);
      if (!p) return { ok: false, error: { kind: "rejected", message: "payment not found", httpStatus: 404 } };
      const seen = refunds.find((r) => r.refundId === input.refundId);
      if (seen) return { ok: true, value: { kaspiRefundId: `refund-${seen.refundId}` } };
      if (p.status !== "PAID") return { ok: false, error: { kind: "rejected", message: "payment is not paid" } };
      if (input.amount > p.amount - p.refunded) {
        return { ok: false, error: { kind: "rejected", message: "refund larger than what is left" } };
      }
      p.refunded += input.amount;
      refunds.push(input);
      return { ok: true, value: { kaspiRefundId: `refund-${input.refundId}` } };
    },
  } satisfies KaspiGateway;

  function mustGet(kaspiPaymentId: string): FakePayment {
    const p = payments.get(kaspiPaymentId);
    if (!p) throw new Error(`fake Kaspi has no payment ${kaspiPaymentId}`);
    return p;
  }

  return {
    ...gateway,
    /** What GET will answer for this payment from now on. */
    setStatus(kaspiPaymentId: string, status: KaspiStatus, rawStatus: string = RAW[status]): void {
      const p = mustGet(kaspiPaymentId);
      p.status = status;
      p.rawStatus = rawStatus;
    },
    /** Make GET report a different amount (a tampered or mismatched payment). */
    setAmount(kaspiPaymentId: string, amount: number): void {
      mustGet(kaspiPaymentId).amount = amount;
    },
    /** The next createPayment call fails with this error (queue several for several calls). */
    failNextCreate(error: KaspiError = { kind: "unavailable", message: "no answer within 10000 ms" }): void {
      createFailures.push(error);
    },
    /** The next createPayment creates the payment but its answer is lost (a timeout after Kaspi acted). */
    loseNextCreateAnswer(): void {
      loseNextAnswer = true;
    },
    /** The next getPayment call fails with this error. */
    failNextGet(error: KaspiError = { kind: "unavailable", message: "no answer within 10000 ms" }): void {
      getFailures.push(error);
    },
    /** The next refund call fails with this error. */
    failNextRefund(error: KaspiError = { kind: "unavailable", message: "no answer within 10000 ms" }): void {
      refundFailures.push(error);
    },
    /** Refunds Kaspi accepted, in order. */
    refunds,
    /** How many times each port method was called. */
    calls,
    /** Inputs of the payments Kaspi actually created, in order. */
    created,
    payments: (): ReadonlyMap<string, Readonly<FakePayment>> => payments,
    reset(): void {
      payments.clear();
      createFailures.length = 0;
      getFailures.length = 0;
      refundFailures.length = 0;
      created.length = 0;
      refunds.length = 0;
      calls.refund = 0;
      calls.createPayment = 0;
      calls.getPayment = 0;
    },
  };
}

export type FakeKaspiGateway = ReturnType<typeof createFakeKaspiGateway>;
