import { z } from "zod";
import type { OrderItem, VatRate } from "../payments/order-items";
import type { RestAnswer } from "./rest-client";

// The lines of a Bitrix24 order for its fiscal receipt, read over REST on the store's webhook:
// - sale.basketitem.list { select, filter: { orderId } } → result.basketItems[] with name, price
//   ("price of the product including discounts and markups"), quantity, vatRate ("tax rate as a
//   fraction of one: 0.1 means 10 %; null = No VAT") and vatIncluded (Y/N)
//   (bitrix24/b24restdocs api-reference/sale/basket-item/sale-basket-item-list.md and
//   api-reference/sale/data-types.md, sale_basket_item);
// - sale.shipment.list { select, filter: { orderId } } → result.shipments[] with priceDelivery
//   ("delivery cost"); system shipments are not visible through REST
//   (api-reference/sale/shipment/sale-shipment-list.md, data-types.md sale_order_shipment).
// Both answer one page of 50: a basket longer than that, a price with tiyn, a rate other than
// none/0/16 % or lines that do not add up to this payment's sum (a payment of part of the order)
// give no lines, and the receipt carries one line for the order instead.

const num = z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/)]).transform(Number);

const basketSchema = z.object({
  basketItems: z.array(
    z
      .object({
        name: z.string(),
        price: num,
        quantity: num,
        vatRate: num.nullable().optional(),
        vatIncluded: z.enum(["Y", "N"]).optional(),
      })
      .loose(),
  ),
});
const shipmentsSchema = z.object({
  shipments: z.array(z.object({ priceDelivery: num.nullable().optional() }).loose()),
});

/** A REST call the checkout may make, or null when its budget is spent (lib/bitrix24/checkout-budget.ts). */
export type BudgetedCall = (method: string, params: Record<string, unknown>) => Promise<RestAnswer<unknown> | null>;

const PAGE = 50;

/** Bitrix's fraction (0.16) as our percent, or undefined for a rate the receipt cannot carry. */
function vatOf(rate: number | null | undefined): VatRate | undefined {
  if (rate === null || rate === undefined) return null;
  const percent = Math.round(rate * 100);
  if (Math.abs(rate * 100 - percent) > 1e-6) return undefined;
  return percent === 0 || percent === 16 ? percent : undefined;
}

export async function readOrderLines(
  call: BudgetedCall,
  input: { orderId: string; sum: number; deliveryVatRate: VatRate; deliveryName?: string },
): Promise<OrderItem[] | undefined> {
  const basket = await call("sale.basketitem.list", {
    select: ["name", "price", "quantity", "vatRate", "vatIncluded"],
    filter: { orderId: Number(input.orderId) },
  });
  if (!basket?.ok) return undefined;
  const items = basketSchema.safeParse(basket.result);
  if (!items.success || items.data.basketItems.length === 0 || items.data.basketItems.length >= PAGE) return undefined;
  const lines: OrderItem[] = [];
  for (const b of items.data.basketItems) {
    const vatRate = vatOf(b.vatRate);
    if (vatRate === undefined) return undefined;
    // A price kept without VAT is paid with it: what the receipt shows is the price paid.
    const paid = b.vatIncluded === "N" && vatRate ? b.price * (1 + vatRate / 100) : b.price;
    const price = Math.round(paid * 100) / 100;
    const quantity = Math.round(b.quantity * 1000) / 1000;
    if (!Number.isInteger(price) || price <= 0 || quantity <= 0 || !b.name.trim()) return undefined;
    lines.push({ name: b.name.trim().slice(0, 255), quantity, price, vatRate });
  }
  const shipments = await call("sale.shipment.list", {
    select: ["priceDelivery"],
    filter: { orderId: Number(input.orderId) },
  });
  if (!shipments?.ok) return undefined;
  const delivery = shipmentsSchema.safeParse(shipments.result);
  if (!delivery.success) return undefined;
  for (const s of delivery.data.shipments) {
    const price = s.priceDelivery ?? 0;
    if (price <= 0) continue;
    if (!Number.isInteger(price)) return undefined;
    lines.push({ name: input.deliveryName ?? "Доставка", quantity: 1, price, vatRate: input.deliveryVatRate });
  }
  const total = lines.reduce((sum, l) => sum + Math.round(l.quantity * 1000) * l.price, 0);
  return total === Math.round(input.sum * 1000) ? lines : undefined;
}
