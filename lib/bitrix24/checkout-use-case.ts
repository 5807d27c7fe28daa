import { z } from "zod";
import type { Db } from "../db";
import { fail, ok, type Result } from "../errors";
import type { AmountLimits } from "../money";
import { intakeOrder, type PaymentMode } from "../payments/order-intake-use-case";
import type { OrderItem, VatRate } from "../payments/order-items";
import type { OrderIntake } from "../payments/order-schemas";
import { isTerminal, type PaymentStatus } from "../payments/status";
import { returnUrlOnPortal } from "./checkout-access";
import type { CheckoutPortalGuard, ConfirmedPayment } from "./checkout-budget";
import type { CheckoutData } from "./checkout-request";
import { checkoutPortalGuard } from "./container";
import { bitrix24ExternalId } from "./external-id";
import { readOrderLines } from "./order-lines";
import { salePaymentSchema } from "./payment-schemas";
import { HANDLER_CODE } from "./register";
import { describeRestError, type Bitrix24Client, type RestAnswer } from "./rest-client";
import { storeOf } from "../stores/store-id";

export type Bitrix24CheckoutDeps = {
  db: Db;
  /** The portal's store (default: the environment's). */
  storeId?: string;
  client: Bitrix24Client;
  appUrl: string;
  limits: AmountLimits;
  mode: PaymentMode;
  /** The webhook URL: RETURN_URL is honoured only on the portal's own host. */
  portalUrl: string;
  /** REST budgets and reuse of confirmations; the process-wide guard when absent. */
  guard?: CheckoutPortalGuard;
  /**
   * Read the order's lines for the fiscal receipt (only when receipts are on: two more REST calls),
   * with the VAT rate of the delivery line, which REST does not give (FISCAL_DEFAULT_VAT_RATE).
   */
  receiptLines?: { deliveryVatRate: VatRate };
};

type SystemParams = CheckoutData["BX_SYSTEM_PARAMS"];

// Bitrix24 does not sign what it posts to the ACTION_URI, and the ACTION_URI's key is public (the
// IFRAME_DATA page hands it to every shopper), so nothing in the request is trusted and the key
// alone grants only this: a checkout for a payment that exists on the portal, unpaid, in KZT, of a
// Kaspi pay system, with the posted sum. All of that is confirmed over REST (sale.payment.get and
// sale.paysystem.list on the store's own webhook) before an order is created or answered, and every
// REST call first passes the guard's budgets (lib/bitrix24/checkout-budget.ts). A repeat of a claim
// the portal has just confirmed (the shopper's retry) is answered without asking it again. A fresh
// confirmation also reads the order's lines for the fiscal receipt (lib/bitrix24/order-lines.ts).
export async function startBitrix24Checkout(
  deps: Bitrix24CheckoutDeps,
  input: CheckoutData,
): Promise<Result<{ paymentUrl: string; paymentId: string }>> {
  const p = input.BX_SYSTEM_PARAMS;
  if (p.CURRENCY !== "KZT") return fail("VALIDATION_FAILED", "Kaspi accepts payments in tenge (KZT) only");
  const guard = deps.guard ?? checkoutPortalGuard(storeOf(deps));

  let payment: ConfirmedPayment | undefined = await reusableConfirmation(deps.db, storeOf(deps), guard, p);
  let items: OrderItem[] | undefined;
  if (!payment) {
    const confirmed = await confirmOnPortal(deps.client, guard, p);
    if (!confirmed.ok) return confirmed;
    payment = confirmed.value;
    guard.remember(payment);
    // The receipt's lines, when receipts are on: best effort within the same budgets (none → one
    // line for the order on the receipt).
    if (deps.receiptLines)
      items = await readOrderLines(
        async (method, params) => {
          const answer = await budgetedCall(deps.client, guard, p.PAYMENT_ID, method, params);
          return answer.ok ? answer.value : null;
        },
        { orderId: confirmed.value.orderId, sum: payment.sum, deliveryVatRate: deps.receiptLines.deliveryVatRate },
      );
  }

  const returnUrl = returnUrlOnPortal(p.RETURN_URL, deps.portalUrl);
  const order: OrderIntake = {
    externalId: bitrix24ExternalId(payment),
    accountNumber: payment.accountNumber.slice(0, 100),
    // The confirmed sum, not the posted one; fractions are refused by the amount check.
    amount: payment.sum,
    currency: "KZT",
    description: `Order ${payment.accountNumber}`.slice(0, 500),
    ...(returnUrl ? { returnUrl } : {}),
    ...(items ? { items } : {}),
  };
  const intakeDeps = {
    db: deps.db,
    appUrl: deps.appUrl,
    limits: deps.limits,
    mode: deps.mode,
    storeId: storeOf(deps),
  };
  const phone = input.KASPI_CHECKOUT_BUYER_PHONE?.trim();
  let intake = await intakeOrder(intakeDeps, phone ? { ...order, phone } : order);
  // A phone Kaspi cannot use must not block the payment: the shopper types it in Kaspi. Only the
  // intake is repeated; the portal has already confirmed the payment.
  if (!intake.ok && intake.error.code === "INVALID_PHONE") intake = await intakeOrder(intakeDeps, order);
  if (!intake.ok) return intake;
  // PAYMENT_ID is our order id: Bitrix stores it as the payment's PS_INVOICE_ID until the
  // Kaspi payment id replaces it when the payment is marked paid.
  return ok({ paymentUrl: intake.value.body.checkoutUrl, paymentId: intake.value.body.orderId });
}

/**
 * The portal's recent confirmation of exactly this claim (payment, pay system, sum), if the order
 * mirror still has that amount and is still open: another instance may have confirmed a newer sum
 * since, and a stale claim must not take the order back to an old amount. Once the order is final
 * here (paid, expired, …) the portal is asked again: it decides whether a new checkout may start
 * (a paid payment gets ORDER_ALREADY_PAID from the portal's own record).
 */
async function reusableConfirmation(db: Db, storeId: string, guard: CheckoutPortalGuard, p: SystemParams) {
  const c = guard.reusable(p.PAYMENT_ID);
  if (!c || c.paySystemId !== p.PAYSYSTEM_ID || Math.abs(c.sum - p.SUM) > 0.001) return undefined;
  const mirror = await db.order.findUnique({
    where: { storeId_externalId: { storeId, externalId: bitrix24ExternalId(c) } },
  });
  if (!mirror) return c;
  return mirror.amount === c.sum && !isTerminal(mirror.status as PaymentStatus) ? c : undefined;
}

/** One REST call about the claimed payment, if the budgets allow it. */
async function budgetedCall(
  client: Bitrix24Client,
  guard: CheckoutPortalGuard,
  paymentId: string,
  method: string,
  params: Record<string, unknown>,
): Promise<Result<RestAnswer<unknown>>> {
  const spent = guard.spend(paymentId);
  if (!spent.ok) {
    const retryAfterSeconds = Math.max(1, Math.ceil(spent.waitMs / 1000));
    return fail(
      "RATE_LIMITED",
      `${method} not called: the Bitrix24 REST budget of the ${spent.budget === "payment" ? `payment ${paymentId}` : "store"} ` +
        `(${spent.perMinute} calls a minute) is used up`,
      { retryAfterSeconds },
    );
  }
  return ok(await client.call(method, params));
}

async function confirmOnPortal(
  client: Bitrix24Client,
  guard: CheckoutPortalGuard,
  p: SystemParams,
): Promise<Result<ConfirmedPayment & { orderId: string }>> {
  const answer = await budgetedCall(client, guard, p.PAYMENT_ID, "sale.payment.get", { id: p.PAYMENT_ID });
  if (!answer.ok) return answer;
  const got = answer.value;
  if (!got.ok) {
    if (got.error === "NETWORK" || got.httpStatus >= 500 || got.httpStatus === 0) {
      return fail("BITRIX24_UNAVAILABLE", describeRestError("sale.payment.get", got));
    }
    guard.forget(p.PAYMENT_ID);
    return fail("PAYMENT_NOT_CONFIRMED", describeRestError("sale.payment.get", got));
  }
  const parsed = salePaymentSchema.safeParse(got.result);
  if (!parsed.success) return fail("PAYMENT_NOT_CONFIRMED", "sale.payment.get answered an unexpected payment shape");
  const payment = parsed.data.payment;
  // What the portal says now replaces any earlier confirmation that says otherwise.
  const earlier = guard.reusable(p.PAYMENT_ID);
  if (
    earlier &&
    (payment.paid !== "N" || earlier.paySystemId !== payment.paySystemId || Math.abs(earlier.sum - payment.sum) > 0.001)
  ) {
    guard.forget(p.PAYMENT_ID);
  }

  if (payment.id !== p.PAYMENT_ID || payment.paySystemId !== p.PAYSYSTEM_ID) {
    return fail("PAYMENT_NOT_CONFIRMED", "the payment does not belong to this pay system");
  }
  if (Math.abs(payment.sum - p.SUM) > 0.001 || payment.currency !== p.CURRENCY) {
    return fail("PAYMENT_NOT_CONFIRMED", "the sum does not match the payment in Bitrix24");
  }
  if (payment.paid === "Y") return fail("ORDER_ALREADY_PAID", "this payment is already paid");

  // The pay system must be a Kaspi one: otherwise any unpaid payment could be routed here.
  const listed = await budgetedCall(client, guard, p.PAYMENT_ID, "sale.paysystem.list", {
    SELECT: ["ID", "ACTION_FILE"],
    FILTER: { ID: payment.paySystemId, ACTION_FILE: HANDLER_CODE },
  });
  if (!listed.ok) return listed;
  const systems = listed.value;
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
    guard.forget(p.PAYMENT_ID);
    return fail("PAYMENT_NOT_CONFIRMED", "the payment's pay system is not a Kaspi Pay system");
  }
  return ok({
    paymentId: payment.id,
    paySystemId: payment.paySystemId,
    sum: payment.sum,
    accountNumber: payment.accountNumber ?? payment.id,
    orderId: payment.orderId,
  });
}
