import type { Db } from "../db";
import { isUniqueViolation } from "../db";
import { fail, ok, type Result } from "../errors";
import { newCheckoutToken, newId } from "../ids";
import { orderChanged } from "../live/change-feed";
import { checkAmount, type AmountLimits } from "../money";
import { normalizePhone } from "../phone";
import { parseOrderItems } from "./order-items";
import type { OrderIntake } from "./order-schemas";
import { isPaidLike, type PaymentStatus } from "./status";
import { recordEvent } from "./timeline";
import { DEFAULT_STORE_ID, storeOf } from "../stores/store-id";

/** live: real Kaspi; sandbox: the built-in simulator (no real money). */
export type PaymentMode = "live" | "sandbox";

/** storeId: the store the order is for (default: the environment's, lib/stores/store-id.ts). */
export type IntakeDeps = { db: Db; limits: AmountLimits; appUrl: string; mode: PaymentMode; storeId?: string };

export type IntakeResponse = {
  created: boolean;
  body: { orderId: string; checkoutUrl: string; status: PaymentStatus };
};

export const checkoutUrlFor = (appUrl: string, token: string) => `${appUrl}/pay/${token}`;

// POST /api/orders: create the order, return the same one for a repeat, update an unpaid one
// whose amount changed, refuse to change a paid one. items (the receipt's lines) must add up to
// the amount (400 INVALID_ITEMS otherwise); without them the receipt has one line for the order.
export async function intakeOrder(deps: IntakeDeps, input: OrderIntake): Promise<Result<IntakeResponse>> {
  const amount = checkAmount(input.amount, deps.limits);
  if (!amount.ok) return fail("INVALID_AMOUNT", amount.message);
  let phone: string | null = null;
  if (input.phone !== undefined && input.phone.trim() !== "") {
    phone = normalizePhone(input.phone);
    if (!phone) return fail("INVALID_PHONE", "phone must be a Kazakhstan number like +7 (701) 234-56-78");
  }
  // Lines for the fiscal receipt (checked against the amount); none from an old client.
  let items: string | null = null;
  if (input.items !== undefined && input.items !== null) {
    const parsed = parseOrderItems(input.items, amount.amount);
    if (!parsed.ok) return parsed;
    items = JSON.stringify(parsed.value);
  }
  let customerPhone: string | null = null;
  if (input.customer?.phone !== undefined && input.customer.phone.trim() !== "") {
    customerPhone = normalizePhone(input.customer.phone);
    if (!customerPhone)
      return fail("INVALID_PHONE", "customer.phone must be a Kazakhstan number like +7 (701) 234-56-78");
  }
  const fields = {
    accountNumber: input.accountNumber ?? null,
    phone,
    description: input.description ?? null,
    returnUrl: input.returnUrl ?? null,
    lang: input.lang ?? null,
    items,
    customerEmail: input.customer?.email ?? null,
    customerPhone,
  };
  const respond = (created: boolean, o: { id: string; checkoutToken: string; status: string }) =>
    ok<IntakeResponse>({
      created,
      body: {
        orderId: o.id,
        checkoutUrl: checkoutUrlFor(deps.appUrl, o.checkoutToken),
        status: o.status as PaymentStatus,
      },
    });

  const storeId = storeOf(deps);
  const existing = await deps.db.order.findUnique({
    where: { storeId_externalId: { storeId, externalId: input.externalId } },
  });
  if (!existing) {
    try {
      const order = await deps.db.$transaction(async (tx) => {
        const o = await tx.order.create({
          data: {
            id: newId("ord"),
            storeId,
            externalId: input.externalId,
            amount: amount.amount,
            currency: "KZT",
            checkoutToken: newCheckoutToken(),
            status: "CREATED",
            mode: deps.mode,
            ...fields,
          },
        });
        await recordEvent(tx, {
          orderId: o.id,
          type: "order.created",
          source: "bitrix",
          data: { amount: o.amount, mode: o.mode },
        });
        return o;
      });
      return respond(true, order);
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      // A concurrent copy of the same request won the insert: answer like a repeat.
      return intakeOrder(deps, input);
    }
  }

  if (existing.amount === amount.amount) {
    // A repeat. On an unpaid order lines or buyer details it sends replace the old ones (the
    // receipt is made from what the order says when it is paid); a repeat without them keeps them,
    // and a paid order keeps what it was paid with.
    const update = {
      ...(input.items !== undefined && items !== existing.items ? { items } : {}),
      ...(input.customer !== undefined &&
      (fields.customerEmail !== existing.customerEmail || fields.customerPhone !== existing.customerPhone)
        ? { customerEmail: fields.customerEmail, customerPhone: fields.customerPhone }
        : {}),
    };
    if (Object.keys(update).length && !isPaidLike(existing.status as PaymentStatus)) {
      await deps.db.order.updateMany({
        where: { id: existing.id, status: { notIn: ["PAID", "REFUNDED", "PARTIALLY_REFUNDED"] } },
        data: update,
      });
    }
    return respond(false, existing);
  }
  if (isPaidLike(existing.status as PaymentStatus)) {
    return fail("ORDER_ALREADY_PAID", "the order is already paid; its amount cannot change");
  }
  const updated = await deps.db.$transaction(async (tx) => {
    // Open attempts were made for the old amount: close them so the shopper pays the new one.
    const open = await tx.payment.findMany({ where: { orderId: existing.id, status: { in: ["CREATED", "PENDING"] } } });
    for (const p of open) {
      const res = await tx.payment.updateMany({
        where: { id: p.id, status: { in: ["CREATED", "PENDING"] } },
        data: { status: "CANCELLED" },
      });
      if (res.count === 1) {
        await recordEvent(tx, {
          orderId: existing.id,
          paymentId: p.id,
          type: "payment.cancelled",
          source: "bitrix",
          message: "order amount changed",
        });
      }
    }
    const res = await tx.order.updateMany({
      where: { id: existing.id, status: { notIn: ["PAID", "REFUNDED", "PARTIALLY_REFUNDED"] } },
      data: { amount: amount.amount, status: "CREATED", ...fields },
    });
    if (res.count !== 1) return null;
    await recordEvent(tx, {
      orderId: existing.id,
      type: "order.amount_changed",
      source: "bitrix",
      data: { from: existing.amount, to: amount.amount },
    });
    return tx.order.findUniqueOrThrow({ where: { id: existing.id } });
  });
  if (!updated) return fail("ORDER_ALREADY_PAID", "the order is already paid; its amount cannot change");
  orderChanged(updated.id);
  return respond(false, updated);
}

export type OrderView = {
  orderId: string;
  externalId: string;
  amount: number;
  status: PaymentStatus;
  mode: PaymentMode;
  paidAt?: string;
  kaspiPaymentId?: string;
  receiptUrl?: string;
  refundedAmount: number;
};

// GET /api/orders/{externalId}: what Bitrix re-checks before it marks an order paid.
export async function getOrderForBitrix(
  db: Db,
  externalId: string,
  storeId: string = DEFAULT_STORE_ID,
): Promise<Result<OrderView>> {
  const order = await db.order.findUnique({ where: { storeId_externalId: { storeId, externalId } } });
  if (!order) return fail("NOT_FOUND", "no order with this externalId");
  const paid = await db.payment.findFirst({
    where: { orderId: order.id, paidAt: { not: null } },
    orderBy: { paidAt: "asc" },
  });
  return ok({
    orderId: order.id,
    externalId: order.externalId,
    amount: order.amount,
    status: order.status as PaymentStatus,
    mode: order.mode === "live" ? "live" : "sandbox",
    ...(order.paidAt ? { paidAt: order.paidAt.toISOString() } : {}),
    ...(paid?.kaspiPaymentId ? { kaspiPaymentId: paid.kaspiPaymentId } : {}),
    ...(order.receiptUrl ? { receiptUrl: order.receiptUrl } : {}),
    refundedAmount: paid?.refundedAmount ?? 0,
  });
}
