import { fallbackItems, lineSum, storedItems, type OrderItem, type VatRate } from "../payments/order-items";
import type { ReceiptDocument, ReceiptLine } from "./port";

// What a receipt says, made when it is queued and kept with it (FiscalReceipt.document), so every
// attempt and every lookup is about the same receipt.
// - Sale: the order's lines one to one, name, quantity and price unchanged (the issue); an order
//   without lines (an old client), or a payment of another amount than the order's (a superseded
//   attempt), gets one line named after the order for the payment's amount.
// - Return: the sale's lines when the whole sale is returned at once. A partial refund does not say
//   which goods came back, so the return has one line per VAT rate of the sale, the refund split
//   between them in proportion to their share of the sale (largest remainder, whole tenge) — an
//   inference (docs/fiscal.md §4: "positions are the returned ones").

export type OrderFacts = {
  externalId: string;
  accountNumber: string | null;
  amount: number;
  items: string | null;
  customerEmail: string | null;
  customerPhone: string | null;
  phone: string | null;
};

export type DocumentSettings = { paymentType: 1 | 4; defaultVatRate: VatRate };

function orderNumberOf(order: OrderFacts): string {
  return (order.accountNumber ?? order.externalId).slice(0, 200);
}

function customerOf(order: OrderFacts): Pick<ReceiptDocument, "customerEmail" | "customerPhone"> {
  const phone = order.customerPhone ?? order.phone;
  return {
    ...(order.customerEmail ? { customerEmail: order.customerEmail } : {}),
    ...(phone ? { customerPhone: phone } : {}),
  };
}

/** The lines a sale receipt of `amount` carries for this order. */
export function saleLines(
  order: OrderFacts,
  amount: number,
  defaultVatRate: VatRate,
): { lines: OrderItem[]; fallback: boolean } {
  const items = storedItems(order.items);
  if (items && amount === order.amount) return { lines: items, fallback: false };
  const one = fallbackItems({
    accountNumber: order.accountNumber,
    externalId: order.externalId,
    amount,
    vatRate:
      items && new Set(items.map((i) => i.vatRate)).size === 1 ? (items[0]?.vatRate ?? defaultVatRate) : defaultVatRate,
  });
  return { lines: one, fallback: true };
}

export function saleDocument(order: OrderFacts, amount: number, settings: DocumentSettings): ReceiptDocument {
  return {
    operation: "sale",
    lines: saleLines(order, amount, settings.defaultVatRate).lines,
    total: amount,
    paymentType: settings.paymentType,
    orderNumber: orderNumberOf(order),
    ...customerOf(order),
  };
}

/** Splits `amount` over `weights` in whole tenge, largest remainder first; the parts add up to it. */
export function splitWhole(amount: number, weights: number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  if (total <= 0) return weights.map((_, i) => (i === 0 ? amount : 0));
  const exact = weights.map((w) => (amount * w) / total);
  const parts = exact.map(Math.floor);
  let left = amount - parts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    parts[i] = (parts[i] ?? 0) + 1;
    left--;
  }
  return parts;
}

const RATE_TEXT = (rate: VatRate) => (rate === null ? "без НДС" : `НДС ${rate}%`);

/** The lines of a return of `amount` from a sale with these lines and this total. */
export function returnLines(sale: ReceiptDocument, amount: number, firstReturn: boolean): ReceiptLine[] {
  if (firstReturn && amount === sale.total) return sale.lines;
  const rates: VatRate[] = [];
  const sums = new Map<VatRate, number>();
  for (const line of sale.lines) {
    if (!sums.has(line.vatRate)) rates.push(line.vatRate);
    sums.set(line.vatRate, (sums.get(line.vatRate) ?? 0) + lineSum(line));
  }
  const only = sale.lines.length === 1 ? sale.lines[0] : undefined;
  if (only) return [{ name: only.name, quantity: 1, price: amount, vatRate: only.vatRate }];
  const parts = splitWhole(
    amount,
    rates.map((r) => sums.get(r) ?? 0),
  );
  return rates
    .map((rate, i) => ({
      name: `Частичный возврат по заказу № ${sale.orderNumber}${rates.length > 1 ? ` (${RATE_TEXT(rate)})` : ""}`.slice(
        0,
        255,
      ),
      quantity: 1,
      price: parts[i] ?? 0,
      vatRate: rate,
    }))
    .filter((l) => l.price > 0);
}

export function returnDocument(sale: ReceiptDocument, amount: number, firstReturn: boolean): ReceiptDocument {
  return { ...sale, operation: "return", lines: returnLines(sale, amount, firstReturn), total: amount };
}

/** VAT inside a line's sum, rounded to the tiyn: sum × p / (100 + p) (docs/fiscal.md §8). */
export function vatOf(sum: number, rate: VatRate): number {
  if (!rate) return 0;
  return Math.round(((sum * rate) / (100 + rate)) * 100) / 100;
}

export function parseDocument(json: string): ReceiptDocument {
  return JSON.parse(json) as ReceiptDocument;
}
