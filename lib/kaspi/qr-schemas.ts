import { z } from "zod";

// Kaspi QR merchant API shapes (schemes r1/r2/r3, v01). Every answer is an envelope
// { StatusCode, Message, Data }; StatusCode 0 is success. Responses are parsed, never trusted.

export const qrEnvelopeSchema = z.object({
  StatusCode: z.number().int(),
  Message: z.string().nullish(),
  Data: z.unknown().optional(),
});
export type QrEnvelope = z.infer<typeof qrEnvelopeSchema>;

/** payment/status of a QR, link or remote payment (docs/kaspi.md §4, v3.9 Appendix 4). */
export const QR_STATUSES = ["QrTokenCreated", "Wait", "Processed", "Error"] as const;
export const qrStatusSchema = z.enum(QR_STATUSES);
export type QrStatus = z.infer<typeof qrStatusSchema>;
/** return/status of an r2 return QR (docs/kaspi.md §4, v3.9 Appendix 5). */
export const QR_RETURN_STATUSES = ["QrTokenCreated", "CustomerIdentityObtained", "Error"] as const;

/** DeviceId: Latin letters, digits, `-` and `_` only (docs/kaspi.md §3, v3.9 §2.2.3); no length is stated. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_-]+$/;

export const qrTradePointsSchema = z.array(
  z.object({ TradePointId: z.union([z.number(), z.string()]), TradePointName: z.string().nullish() }).loose(),
);

export const qrDeviceRegisterRequestSchema = z.object({
  DeviceId: z.string().regex(DEVICE_ID_PATTERN, "only Latin letters, digits, - and _"),
  TradePointId: z.union([z.number().int(), z.string().min(1)]),
  OrganizationBin: z.string().optional(),
});
export const qrDeviceRegisterDataSchema = z.object({ DeviceToken: z.string().min(1) });

export const qrCreateRequestSchema = z.object({
  DeviceToken: z.string().min(1),
  Amount: z.number().positive(),
  ExternalId: z.string().min(1).max(100),
  OrganizationBin: z.string().optional(),
});
export type QrCreateRequest = z.infer<typeof qrCreateRequestSchema>;

const behaviorSchema = z
  .object({
    /** Seconds between payment/status calls. */
    StatusPollingInterval: z.number().int().positive().optional(),
    /** Seconds the QR waits for a scan. */
    QrCodeScanWaitTimeout: z.number().int().positive().optional(),
    /** Seconds a payment link waits to be opened (qr/create-link). */
    LinkActivationWaitTimeout: z.number().int().positive().optional(),
    /** Seconds the shopper has to confirm after the scan. */
    PaymentConfirmationTimeout: z.number().int().positive().optional(),
    /** Seconds between return/status calls (r2 return QR). */
    QrCodeScanEventPollingInterval: z.number().int().positive().optional(),
  })
  .loose();

export const qrPaymentMethodsSchema = z
  .array(
    z.union([z.string(), z.object({ LoanOfferName: z.string().nullish(), LoanTerm: z.number().nullish() }).loose()]),
  )
  .nullish();

export const qrCreateDataSchema = z.object({
  QrToken: z.string().min(1),
  ExpireDate: z.string().min(1),
  QrPaymentId: z.union([z.number().int(), z.string().min(1)]),
  PaymentMethods: qrPaymentMethodsSchema,
  QrPaymentBehaviorOptions: behaviorSchema.nullish(),
});

export const qrCreateLinkDataSchema = z.object({
  PaymentLink: z.url(),
  ExpireDate: z.string().min(1),
  PaymentId: z.union([z.number().int(), z.string().min(1)]),
  PaymentMethods: qrPaymentMethodsSchema,
  PaymentBehaviorOptions: behaviorSchema.nullish(),
  QrPaymentBehaviorOptions: behaviorSchema.nullish(),
});

/**
 * v01 payment/status answers `Status` only (docs/kaspi.md §2, v3.9 §4.2). The status stays a string
 * here: one Kaspi adds later is logged and kept pending, not an unreadable answer.
 */
export const qrStatusDataSchema = z.object({ Status: z.string().min(1) }).loose();
/**
 * v02 payment/status as public code reads it (docs/kaspi.md §2 "v02" [3P, ?]; not in v3.9): only used
 * with KASPI_QR_STATUS_VERSION=v02.
 */
export const qrStatusV02DataSchema = qrStatusDataSchema.extend({
  TransactionId: z.union([z.number(), z.string()]).nullish(),
  Amount: z.number().nullish(),
  LoanOfferName: z.string().nullish(),
  LoanTerm: z.number().nullish(),
  IsOffer: z.boolean().nullish(),
  ProductType: z.string().nullish(),
});
export type QrStatusData = z.infer<typeof qrStatusV02DataSchema>;

export const qrReturnRequestSchema = z.object({
  DeviceToken: z.string().min(1),
  QrPaymentId: z.union([z.number().int(), z.string().min(1)]),
  Amount: z.number().positive(),
  OrganizationBin: z.string().optional(),
});
export const qrReturnDataSchema = z
  .object({ ReturnOperationId: z.union([z.number(), z.string()]).nullish() })
  .loose()
  .nullish();

/** payment/details (r2, r3; docs/kaspi.md §2, v3.9 §3.4 / §4.5). */
export const qrPaymentDetailsSchema = z
  .object({
    QrPaymentId: z.union([z.number(), z.string()]),
    TotalAmount: z.number(),
    AvailableReturnAmount: z.number(),
    TransactionDate: z.string().nullish(),
  })
  .loose();

/** return/create (r2; docs/kaspi.md §2, v3.9 §3.2). */
export const qrReturnCreateSchema = z
  .object({
    QrToken: z.string().min(1),
    ExpireDate: z.string().min(1),
    QrReturnId: z.union([z.number().int(), z.string().min(1)]),
    QrReturnBehaviorOptions: behaviorSchema.nullish(),
  })
  .loose();
export const qrReturnStatusSchema = z.object({ Status: z.string().min(1) }).loose();
/** return/operations: the customer's purchases at this trade point (r2; v3.9 §3.3). */
export const qrReturnOperationsSchema = z.array(
  z
    .object({
      QrPaymentId: z.union([z.number(), z.string()]),
      TransactionDate: z.string().nullish(),
      Amount: z.number(),
    })
    .loose(),
);

/** Remote invoices by phone (r3; docs/kaspi.md §2, v3.9 §4.6). */
export const qrClientInfoSchema = z.object({ ClientName: z.string() }).loose();
export const qrRemoteCreateSchema = z.object({ QrPaymentId: z.union([z.number().int(), z.string().min(1)]) }).loose();
export const qrRemoteCancelSchema = z.object({ Status: z.string() }).loose();
/** Calls with no Data (device/delete, health/ping). */
export const qrNoDataSchema = z.unknown();

/** What we keep about a QR attempt (Payment.kaspiMeta), read back by the poller. */
export const qrMetaSchema = z.object({
  protocol: z.literal("qr"),
  presentation: z.enum(["qr", "link", "remote"]),
  pollIntervalMs: z.number().int().positive(),
  /** QrCodeScanWaitTimeout (QR) or LinkActivationWaitTimeout (link), from creation. */
  scanWaitMs: z.number().int().positive().optional(),
  confirmMs: z.number().int().positive().optional(),
  /** When we first saw Wait/CustomerIdentityObtained (the confirmation clock starts there). */
  waitSince: z.string().optional(),
});
export type QrMeta = z.infer<typeof qrMetaSchema>;
