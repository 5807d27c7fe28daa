// The Kaspi port. Use cases depend on this interface only; each Kaspi protocol implements it.

export type KaspiProtocol = "ecom" | "qr" | "checkpay";

/**
 * What Kaspi's status says about a payment, already in our vocabulary. The port owns this type;
 * lib/payments/status.ts checks at compile time that each value is one of our payment statuses.
 */
export type KaspiStatus = "PENDING" | "PAID" | "FAILED" | "EXPIRED" | "CANCELLED";

export type QrImage = { format: "text" | "png-base64"; value: string };

/** Where an open payment is at Kaspi, for the shopper (not a status: it never gates a transition). */
export type KaspiStage = "awaiting_scan" | "awaiting_confirmation";

/** Kaspi Red / loan details when the shopper pays with a loan offer. */
export type KaspiLoan = { offerName: string; term?: number };

/** How the shopper will pay: a QR on another screen (desktop) or a link on this phone. */
export type PaymentDevice = "desktop" | "mobile";

export type CreatePaymentInput = {
  /** Unique per attempt: Kaspi refuses a second payment with the same externalId. */
  externalId: string;
  amount: number;
  description: string;
  phone?: string;
  redirectUrl?: string;
  /** The store's own page for the order (Bitrix's returnUrl), where a protocol sends the shopper back. */
  returnUrl?: string;
  callbackUrl: string;
  deviceId: string;
  /** The checkout's device hint; protocols with separate QR and link calls choose by it. */
  device?: PaymentDevice;
  /** Our order's account number (the check/pay protocol's `account`). */
  account?: string;
};

export type CreatedPayment = {
  kaspiPaymentId: string;
  paymentLink?: string;
  qr?: QrImage;
  expiresAt?: Date;
  /** When the server should first ask Kaspi for the status (polling protocols); default: at expiry. */
  firstCheckAt?: Date;
  /** Protocol facts kept with the attempt (Payment.kaspiMeta), e.g. QR polling options. */
  meta?: Record<string, unknown>;
  loan?: KaspiLoan;
};

export type KaspiPaymentState = {
  kaspiPaymentId: string;
  status: KaspiStatus;
  rawStatus: string;
  amount?: number;
  externalId?: string;
  stage?: KaspiStage;
  loan?: KaspiLoan;
  transactionId?: string;
  /** Kaspi answered a status its document does not list: kept pending, to be logged by the caller. */
  unknownStatus?: true;
};

export type KaspiErrorKind =
  /** Timeout, connection failure, 5xx or 429: Kaspi may or may not have acted. */
  | "unavailable"
  /** Kaspi answered and said no (4xx with a reason). */
  | "rejected"
  /** Kaspi answered something we cannot read (not JSON, or not the documented shape). */
  | "invalid_response";

export type KaspiError = {
  kind: KaspiErrorKind;
  message: string;
  httpStatus?: number;
  /** Kaspi's own error code when it gave one (QR API StatusCode). */
  code?: string;
};

export type KaspiResult<T> = { ok: true; value: T } | { ok: false; error: KaspiError };

export type RefundInput = {
  kaspiPaymentId: string;
  /** Whole tenge; may be less than the payment (partial refund) where the protocol allows. */
  amount: number;
  /** Our refund's id: the same refund is never sent twice with different ids. */
  refundId: string;
  /** Kaspi QR r2: the return QR the customer scanned (return/create → CustomerIdentityObtained). */
  qrReturnId?: string;
};

export type RefundResult = { kaspiRefundId?: string };

/** Whether this protocol can refund, and if not, why (shown to merchants instead of a button). */
export type RefundSupport =
  | {
      supported: true;
      partial: boolean;
      /** Kaspi QR r2: the customer must scan a return QR before a refund (docs/kaspi.md §2, r2 return). */
      flow?: "return-qr";
    }
  | { supported: false; reason: string };

/** Kaspi QR r2's return QR (docs/kaspi.md §2: return/create, return/status). */
export type ReturnQr = { qrReturnId: string; qrToken: string; expiresAt?: Date; pollIntervalMs: number };
export type ReturnQrState = { rawStatus: string; ready: boolean; final: boolean };

/** The r2 return flow, for protocols that have one. */
export interface KaspiReturnQrPort {
  createReturnQr(input: { externalId: string }): Promise<KaspiResult<ReturnQr>>;
  getReturnQr(qrReturnId: string): Promise<KaspiResult<ReturnQrState>>;
}

/** Kaspi QR r3's invoice to the shopper's Kaspi app by phone number (docs/kaspi.md §2, remote/*). */
export interface KaspiRemoteInvoicePort {
  clientInfo(phone: string): Promise<KaspiResult<{ clientName: string }>>;
  createInvoice(input: {
    phone: string;
    amount: number;
    comment?: string;
  }): Promise<KaspiResult<{ kaspiPaymentId: string }>>;
  cancelInvoice(kaspiPaymentId: string): Promise<KaspiResult<{ rawStatus: string }>>;
}

export interface KaspiGateway {
  readonly protocol: KaspiProtocol;
  readonly refundSupport: RefundSupport;
  createPayment(input: CreatePaymentInput): Promise<KaspiResult<CreatedPayment>>;
  getPayment(kaspiPaymentId: string): Promise<KaspiResult<KaspiPaymentState>>;
  refund(input: RefundInput): Promise<KaspiResult<RefundResult>>;
  /** Kaspi QR r2 only. */
  readonly returnQr?: KaspiReturnQrPort;
  /** Kaspi QR r3 only. */
  readonly remoteInvoice?: KaspiRemoteInvoicePort;
}
