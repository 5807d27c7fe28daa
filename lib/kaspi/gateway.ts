import type { PaymentStatus } from "../payments/status";

// The Kaspi port. Use cases depend on this interface only; each Kaspi protocol implements it.

export type KaspiProtocol = "ecom";

/** What Kaspi's status says about a payment, already in our vocabulary. */
export type KaspiStatus = Extract<PaymentStatus, "PENDING" | "PAID" | "FAILED" | "EXPIRED" | "CANCELLED">;

export type QrImage = { format: "text" | "png-base64"; value: string };

export type CreatePaymentInput = {
  /** Unique per attempt: Kaspi refuses a second payment with the same externalId. */
  externalId: string;
  amount: number;
  description: string;
  phone?: string;
  redirectUrl?: string;
  callbackUrl: string;
  deviceId: string;
};

export type CreatedPayment = {
  kaspiPaymentId: string;
  paymentLink?: string;
  qr?: QrImage;
  expiresAt?: Date;
};

export type KaspiPaymentState = {
  kaspiPaymentId: string;
  status: KaspiStatus;
  rawStatus: string;
  amount?: number;
  externalId?: string;
};

export type KaspiErrorKind =
  /** Timeout, connection failure, 5xx or 429: Kaspi may or may not have acted. */
  | "unavailable"
  /** Kaspi answered and said no (4xx with a reason). */
  | "rejected"
  /** Kaspi answered something we cannot read (not JSON, or not the documented shape). */
  | "invalid_response";

export type KaspiError = { kind: KaspiErrorKind; message: string; httpStatus?: number };

export type KaspiResult<T> = { ok: true; value: T } | { ok: false; error: KaspiError };

export type RefundInput = {
  kaspiPaymentId: string;
  /** Whole tenge; may be less than the payment (partial refund) where the protocol allows. */
  amount: number;
  /** Our refund's id: the same refund is never sent twice with different ids. */
  refundId: string;
};

export type RefundResult = { kaspiRefundId?: string };

/** Whether this protocol can refund, and if not, why (shown to merchants instead of a button). */
export type RefundSupport = { supported: true; partial: boolean } | { supported: false; reason: string };

export interface KaspiGateway {
  readonly protocol: KaspiProtocol;
  readonly refundSupport: RefundSupport;
  createPayment(input: CreatePaymentInput): Promise<KaspiResult<CreatedPayment>>;
  getPayment(kaspiPaymentId: string): Promise<KaspiResult<KaspiPaymentState>>;
  refund(input: RefundInput): Promise<KaspiResult<RefundResult>>;
}
