import { z } from "zod";

// Bitrix's order intake body (POST /api/orders). Amount and phone get their own checks with
// dedicated error codes, so they are only typed loosely here.

export const LANGS = ["ru", "kk", "en"] as const;
export type Lang = (typeof LANGS)[number];

export const externalIdSchema = z
  .string()
  .min(1)
  .max(100)
  // "#" is not allowed: the app names later payment attempts "<externalId>#<attempt>" at Kaspi.
  .regex(/^[A-Za-z0-9_.:/-]+$/, "may contain letters, digits and _ . : / - only");

export const orderIntakeSchema = z.object({
  externalId: externalIdSchema,
  accountNumber: z.string().min(1).max(100).optional(),
  amount: z.unknown(),
  currency: z.literal("KZT", { error: 'currency must be "KZT"' }),
  phone: z.string().max(40).optional(),
  description: z.string().max(500).optional(),
  returnUrl: z
    .url({ protocol: /^https?$/, error: "returnUrl must be an http(s) URL" })
    .max(2000)
    .optional(),
  lang: z
    .string()
    .transform((v) => (v.toLowerCase() === "kz" ? "kk" : v.toLowerCase()))
    .pipe(z.enum(LANGS))
    .optional(),
});
export type OrderIntake = z.infer<typeof orderIntakeSchema>;
