import { z } from "zod";

// Kaspi eCommerce API shapes (the seed's protocol). Responses are parsed, never trusted.

export const ECOM_STATUSES = [
  "CREATED",
  "PENDING",
  "WAIT",
  "PROCESSING",
  "COMPLETED",
  "FAILED",
  "EXPIRED",
  "CANCELLED",
] as const;
export const ecomStatusSchema = z.enum(ECOM_STATUSES);
export type EcomStatus = z.infer<typeof ecomStatusSchema>;

export const ecomCreateRequestSchema = z.object({
  device: z.object({ platformType: z.literal("WEB"), id: z.string().min(1).max(100) }),
  amount: z.object({ value: z.number().int().positive(), currency: z.literal("KZT") }),
  externalId: z.string().min(1).max(100),
  description: z.string().max(500),
  paymentType: z.literal("ECOM"),
  customer: z.object({ phone: z.string().optional() }),
  redirectUrl: z.string().optional(),
  callbackUrl: z.url(),
});
export type EcomCreateRequest = z.infer<typeof ecomCreateRequestSchema>;

export const ecomCreateResponseSchema = z.object({
  data: z.object({ paymentId: z.string().min(1), paymentLink: z.url(), expiresAt: z.iso.datetime().optional() }),
});

export const ecomQrResponseSchema = z.object({
  data: z.object({ paymentId: z.string().min(1), qrCode: z.string().min(1), expiresAt: z.iso.datetime().optional() }),
});

export const ecomStatusResponseSchema = z.object({
  data: z.object({
    paymentId: z.string().optional(),
    status: ecomStatusSchema,
    externalId: z.string().optional(),
    amount: z.object({ value: z.number(), currency: z.string() }).optional(),
  }),
});

/**
 * A field of a callback: no control characters. None is in an id or a status Kaspi sends, and
 * PostgreSQL refuses a NUL byte in text outright (a callback carrying one answered 500 there).
 */
const callbackField = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[^\u0000-\u001f\u007f]*$/, "must not contain control characters");

export const ecomCallbackSchema = z.object({
  data: z.object({
    paymentId: callbackField(100),
    externalId: callbackField(200),
    status: callbackField(50),
  }),
});
export type EcomCallback = z.infer<typeof ecomCallbackSchema>;

/** Our answer to a handled callback (also duplicates and rejected ones): Kaspi stops retrying on it. */
export const ecomCallbackAckSchema = z.object({ status: z.literal("OK") });
