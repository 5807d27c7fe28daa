import { z } from "zod";

// Kaspi QR merchant API shapes (schemes r1/r2/r3, v01). Every answer is an envelope
// { StatusCode, Message, Data }; StatusCode 0 is success. Responses are parsed, never trusted.

export const qrEnvelopeSchema = z.object({
  StatusCode: z.number().int(),
  Message: z.string().nullish(),
  Data: z.unknown().optional(),
});
export type QrEnvelope = z.infer<typeof qrEnvelopeSchema>;

export const QR_STATUSES = ["QrTokenCreated", "Wait", "CustomerIdentityObtained", "Processed", "Error"] as const;
export const qrStatusSchema = z.enum(QR_STATUSES);
export type QrStatus = z.infer<typeof qrStatusSchema>;

export const qrTradePointsSchema = z.array(
  z.object({ TradePointId: z.union([z.number(), z.string()]), TradePointName: z.string().nullish() }).loose(),
);

export const qrDeviceRegisterRequestSchema = z.object({
  DeviceId: z.string().min(1).max(100),
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
    /** Seconds the shopper has to confirm after the scan. */
    PaymentConfirmationTimeout: z.number().int().positive().optional(),
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

export const qrStatusDataSchema = z.object({
  Status: qrStatusSchema,
  TransactionId: z.union([z.number(), z.string()]).nullish(),
  Amount: z.number().nullish(),
  LoanOfferName: z.string().nullish(),
  LoanTerm: z.number().nullish(),
});
export type QrStatusData = z.infer<typeof qrStatusDataSchema>;

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

/** What we keep about a QR attempt (Payment.kaspiMeta), read back by the poller. */
export const qrMetaSchema = z.object({
  protocol: z.literal("qr"),
  presentation: z.enum(["qr", "link"]),
  pollIntervalMs: z.number().int().positive(),
  scanWaitMs: z.number().int().positive().optional(),
  confirmMs: z.number().int().positive().optional(),
  /** When we first saw Wait/CustomerIdentityObtained (the confirmation clock starts there). */
  waitSince: z.string().optional(),
});
export type QrMeta = z.infer<typeof qrMetaSchema>;
