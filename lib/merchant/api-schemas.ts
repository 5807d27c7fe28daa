import { z } from "zod";
import { PAYMENT_STATUSES } from "../payments/status";
import { MERCHANT_ROLES } from "./roles";

// Bodies and answers of the merchant JSON API (/api/merchant/*): the routes parse with these, and
// the API document is generated from them.

export const loginBodySchema = z.object({ email: z.string().min(1).max(254), password: z.string().min(1).max(200) });
export const loginAnswerSchema = z.object({ role: z.enum(MERCHANT_ROLES), expiresAt: z.iso.datetime() });
export const signedOutSchema = z.object({ signedOut: z.literal(true) });

/** A Kaspi QR r2 return QR (POST /api/merchant/payments/{id}/return-qr, GET /api/merchant/return-qrs/{id}). */
export const returnQrViewSchema = z.object({
  id: z.string(),
  paymentId: z.string(),
  qrReturnId: z.string(),
  qrToken: z.string(),
  status: z.string(),
  /** The customer scanned it: one refund may use it now. */
  ready: z.boolean(),
  expiresAt: z.iso.datetime().nullable(),
  pollIntervalMs: z.number().int(),
});

export const userBodySchema = z.object({ email: z.string().trim().min(3).max(254), role: z.enum(MERCHANT_ROLES) });
export const userDisabledBodySchema = z.object({ disabled: z.boolean() });

const isoOrNull = z.iso.datetime().nullable();

export const usersSchema = z.object({
  users: z.array(
    z.object({
      id: z.string(),
      email: z.string(),
      role: z.enum(MERCHANT_ROLES),
      disabledAt: isoOrNull,
      lastLoginAt: isoOrNull,
      createdAt: z.iso.datetime(),
    }),
  ),
});
/** 201 created / 200 password reset: the generated password, shown once. */
export const userSavedSchema = z.object({
  created: z.boolean(),
  userId: z.string(),
  email: z.string(),
  password: z.string(),
});
export const userDisabledSchema = z.object({ id: z.string(), disabled: z.boolean() });

export const paymentsPageSchema = z.object({
  payments: z.array(
    z.object({
      id: z.string(),
      createdAt: z.iso.datetime(),
      amount: z.number().int(),
      refundedAmount: z.number().int(),
      status: z.enum(PAYMENT_STATUSES),
      attempt: z.number().int(),
      kaspiPaymentId: z.string().nullable(),
      paidAt: isoOrNull,
      order: z.object({
        id: z.string(),
        externalId: z.string(),
        accountNumber: z.string().nullable(),
        phone: z.string().nullable(),
      }),
    }),
  ),
  nextCursor: z.string().nullable(),
  totals: z.object({
    count: z.number().int(),
    paidCount: z.number().int(),
    paidSum: z.number().int(),
    refundedSum: z.number().int(),
  }),
});

export const recheckAnswerSchema = z.object({
  kaspiStatus: z.string(),
  result: z.union([
    z.object({ changed: z.literal(true), from: z.enum(PAYMENT_STATUSES), to: z.enum(PAYMENT_STATUSES) }),
    z.object({ changed: z.literal(false), current: z.enum(PAYMENT_STATUSES), rejected: z.string().optional() }),
  ]),
});
