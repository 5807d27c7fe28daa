import { z } from "zod";
import type { Db } from "../db";
import { fail, ok, type Result } from "../errors";
import type { AmountLimits } from "../money";
import { intakeOrder, type PaymentMode } from "../payments/order-intake-use-case";
import { returnUrlOnPortal } from "./checkout-access";
import { bitrix24ExternalId } from "./external-id";
import type { CheckoutData } from "./checkout-request";
import { salePaymentSchema } from "./payment-schemas";
import { HANDLER_CODE } from "./register";
import { describeRestError, type Bitrix24Client } from "./rest-client";

export type Bitrix24CheckoutDeps = {
  db: Db;
  client: Bitrix24Client;
  appUrl: string;
  limits: AmountLimits;
  mode: PaymentMode;
  /** The webhook URL: RETURN_URL is honoured only on the portal's own host. */
  portalUrl: string;
};

// Bitrix24 does not sign what it posts to CHECKOUT_DATA's ACTION_URI, so nothing in the request is
// trusted: the payment's id, pay system and sum are confirmed over REST (sale.payment.get on the
// portal's webhook, which only the store can configure) before an order is created.
export async function startBitrix24Checkout(
  deps: Bitrix24CheckoutDeps,
  input: CheckoutData,
): Promise<Result<{ paymentUrl: string; paymentId: string }>> {
  const p = input.BX_SYSTEM_PARAMS;
  if (p.CURRENCY !== "KZT") return fail("VALIDATION_FAILED", "Kaspi accepts payments in tenge (KZT) only");

  const answer = await deps.client.call("sale.payment.get", { id: p.PAYMENT_ID });
  if (!answer.ok) {
    if (answer.error === "NETWORK" || answer.httpStatus >= 500 || answer.httpStatus === 0) {
      return fail("BITRIX24_UNAVAILABLE", describeRestError("sale.payment.get", answer));
    }
    return fail("PAYMENT_NOT_CONFIRMED", describeRestError("sale.payment.get", answer));
  }
  const parsed = salePaymentSchema.safeParse(answer.result);
  if (!parsed.success) return fail("PAYMENT_NOT_CONFIRMED", "sale.payment.get answered an unexpected payment shape");
  const payment = parsed.data.payment;

  if (payment.id !== p.PAYMENT_ID || payment.paySystemId !== p.PAYSYSTEM_ID) {
    return fail("PAYMENT_NOT_CONFIRMED", "the payment does not belong to this pay system");
  }
  if (Math.abs(payment.sum - p.SUM) > 0.001 || payment.currency !== p.CURRENCY) {
    return fail("PAYMENT_NOT_CONFIRMED", "the sum does not match the payment in Bitrix24");
  }
  if (payment.paid === "Y") return fail("ORDER_ALREADY_PAID", "this payment is already paid");

  // The pay system must be a Kaspi one: otherwise any unpaid payment could be routed here.
  const systems = await deps.client.call("sale.paysystem.list", {
    SELECT: ["ID", "ACTION_FILE"],
    FILTER: { ID: payment.paySystemId, ACTION_FILE: HANDLER_CODE },
  });
  if (!systems.ok) {
    return fail(
      systems.httpStatus >= 500 || systems.httpStatus === 0 ? "BITRIX24_UNAVAILABLE" : "PAYMENT_NOT_CONFIRMED",
      describeRestError("sale.paysystem.list", systems),
    );
  }
  const ours = z
    .array(z.object({ ID: z.union([z.string(), z.number()]).transform(String) }).loose())
    .safeParse(systems.result);
  if (!ours.success || !ours.data.some((s) => s.ID === payment.paySystemId)) {
    return fail("PAYMENT_NOT_CONFIRMED", "the payment's pay system is not a Kaspi Pay system");
  }

  const returnUrl = returnUrlOnPortal(p.RETURN_URL, deps.portalUrl);
  const accountNumber = payment.accountNumber ?? payment.id;
  const intake = await intakeOrder(
    { db: deps.db, appUrl: deps.appUrl, limits: deps.limits, mode: deps.mode },
    {
      externalId: bitrix24ExternalId({ paySystemId: payment.paySystemId, paymentId: payment.id }),
      accountNumber: accountNumber.slice(0, 100),
      // The confirmed sum, not the posted one; fractions are refused by the amount check.
      amount: payment.sum,
      currency: "KZT",
      description: `Order ${accountNumber}`.slice(0, 500),
      ...(returnUrl ? { returnUrl } : {}),
      ...(input.KASPI_CHECKOUT_BUYER_PHONE?.trim() ? { phone: input.KASPI_CHECKOUT_BUYER_PHONE.trim() } : {}),
    },
  );
  if (!intake.ok && intake.error.code === "INVALID_PHONE") {
    // A phone Kaspi cannot use must not block the payment: the shopper types it in Kaspi.
    return startBitrix24Checkout(deps, { ...input, KASPI_CHECKOUT_BUYER_PHONE: undefined });
  }
  if (!intake.ok) return intake;
  // PAYMENT_ID is our order id: Bitrix stores it as the payment's PS_INVOICE_ID until the
  // Kaspi payment id replaces it when the payment is marked paid.
  return ok({ paymentUrl: intake.value.body.checkoutUrl, paymentId: intake.value.body.orderId });
}
