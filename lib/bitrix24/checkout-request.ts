import { z } from "zod";

// What Bitrix24 posts to the CHECKOUT_DATA ACTION_URI: BX_SYSTEM_PARAMS (PAYMENT_ID, PAYSYSTEM_ID,
// SUM, CURRENCY, RETURN_URL) plus the pay system's settings (CODES) by code. Bitrix sends form
// fields PHP-style (BX_SYSTEM_PARAMS[PAYMENT_ID]=…); JSON bodies are accepted too.

const digits = z
  .union([z.string(), z.number()])
  .transform(String)
  .pipe(z.string().regex(/^\d{1,18}$/, "must be an id"));

export const checkoutDataSchema = z
  .object({
    BX_SYSTEM_PARAMS: z
      .object({
        PAYMENT_ID: digits,
        PAYSYSTEM_ID: digits,
        SUM: z.union([z.string(), z.number()]).transform(Number).pipe(z.number().finite().positive()),
        CURRENCY: z.string().min(1),
        RETURN_URL: z.string().max(2000).optional(),
      })
      .loose(),
    KASPI_CHECKOUT_BUYER_PHONE: z.string().max(40).optional(),
  })
  .loose();
export type CheckoutData = z.infer<typeof checkoutDataSchema>;

// The parser moved to lib/http/php-form.ts (the request reader uses it); re-exported for callers here.
export { parsePhpForm } from "../http/php-form";

/** PAYMENT_ID is stored by Bitrix24 as the payment's PS_INVOICE_ID (sale/lib/paysystem/resthandler.php). */
export const checkoutAnswerSchema = z.object({ PAYMENT_URL: z.url(), PAYMENT_ID: z.string() });

/** A refusal: Bitrix24 shows PAYMENT_ERRORS; `error` is the app's usual error body. */
export const checkoutErrorsSchema = z.object({
  PAYMENT_ERRORS: z.array(z.string()),
  error: z.object({ code: z.string(), message: z.string() }),
});
