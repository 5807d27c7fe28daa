import { z } from "zod";
import { fail, ok, type Result } from "../errors";
import { formatTenge } from "../money";

// The lines of an order as Bitrix sends them with POST /api/orders (the fiscal-receipts issue):
// what the shopper buys, one fiscal receipt position each (docs/fiscal.md). price is whole tenge per
// unit with VAT inside it, quantity is > 0 with up to 3 decimals (weighed goods), vatRate is the
// VAT rate in percent: null for a seller who pays no VAT, 0 or 16 (the standard rate of the Tax
// Code in force from 1 January 2026, Law 214-VIII; docs/fiscal.md). Delivery is a line like any other.
// Every failure answers 400 INVALID_ITEMS naming the line and the rule (a 422 is for the other
// fields), and a basket whose lines do not add up to the amount names the difference.

export const VAT_RATES = [null, 0, 16] as const;
export type VatRate = (typeof VAT_RATES)[number];

export type OrderItem = { name: string; quantity: number; price: number; vatRate: VatRate };

/** More lines than this is not a basket a checkout shows (and would pass the body limit anyway). */
export const MAX_ITEMS = 500;

const itemSchema = z.object({
  name: z.string().trim().min(1, "name must not be empty").max(255, "name must be at most 255 characters"),
  quantity: z
    .number({ error: "quantity must be a number" })
    .positive("quantity must be more than 0")
    .max(1_000_000, "quantity must be at most 1000000")
    .refine((q) => Number.isInteger(Math.round(q * 1000)) && Math.abs(q * 1000 - Math.round(q * 1000)) < 1e-6, {
      message: "quantity may have at most 3 decimals",
    }),
  price: z
    .number({ error: "price must be a number of tenge" })
    .int("price must be a whole number of tenge")
    .positive("price must be more than 0"),
  vatRate: z.union([z.null(), z.literal(0), z.literal(16)], {
    error: "vatRate must be null (no VAT), 0 or 16",
  }),
});

const itemsSchema = z
  .array(itemSchema, { error: "items must be an array of { name, quantity, price, vatRate }" })
  .min(1, "items must not be empty")
  .max(MAX_ITEMS, `items must have at most ${MAX_ITEMS} lines`);

/** What the OpenAPI document shows for `items` (the route reads it loosely to answer 400, not 422). */
export const ITEMS_JSON_SCHEMA = {
  type: "array",
  maxItems: MAX_ITEMS,
  description:
    "The order's lines, delivery included: Σ quantity × price must equal amount (else 400 INVALID_ITEMS naming the difference). " +
    "Without items the receipt has one line named after the order.",
  items: {
    type: "object",
    required: ["name", "quantity", "price", "vatRate"],
    properties: {
      name: { type: "string", minLength: 1, maxLength: 255 },
      quantity: { type: "number", exclusiveMinimum: 0, description: "up to 3 decimals" },
      price: { type: "integer", minimum: 1, description: "whole tenge per unit, VAT included" },
      vatRate: { enum: [null, 0, 16], description: "null: not a VAT payer; 0 or 16 percent" },
    },
  },
} as const;

/** Thousandths of a unit: exact integer arithmetic for the sum check. */
const milli = (quantity: number) => Math.round(quantity * 1000);

/** The sum of quantity × price in thousandths of a tenge (exact while it stays below 2^53). */
export function itemsTotalMilli(items: readonly OrderItem[]): number {
  return items.reduce((sum, i) => sum + milli(i.quantity) * i.price, 0);
}

/** One line's sum in tenge (may have up to 3 decimals for weighed goods). */
export function lineSum(item: OrderItem): number {
  return (milli(item.quantity) * item.price) / 1000;
}

/** 12499500 → "12 499.5 ₸": whole tenge as formatTenge writes them, then the fraction if any. */
function tengeOfMilli(m: number): string {
  const whole = formatTenge(Math.trunc(m / 1000));
  const fraction = Math.abs(m % 1000);
  if (fraction === 0) return whole;
  const [digits, sign] = whole.split("\u00a0₸");
  return `${digits}.${String(fraction).padStart(3, "0").replace(/0+$/, "")}\u00a0₸${sign ?? ""}`;
}

/** [0, "price"] → "items[0].price". */
function pathOf(path: PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === "number" ? `${acc}[${p}]` : `${acc}.${String(p)}`), "items");
}

/** items from the intake body, checked against the order's amount. */
export function parseOrderItems(raw: unknown, amount: number): Result<OrderItem[]> {
  const parsed = itemsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? pathOf(issue.path) : "items";
    return fail("INVALID_ITEMS", `${where}: ${issue?.message ?? "invalid"}`, {
      issues: parsed.error.issues.map((i) => ({ path: pathOf(i.path), message: i.message })),
    });
  }
  const items: OrderItem[] = parsed.data.map((i) => ({ ...i, vatRate: i.vatRate }));
  const total = itemsTotalMilli(items);
  const difference = total - amount * 1000;
  if (difference !== 0) {
    const more = difference > 0;
    return fail(
      "INVALID_ITEMS",
      `items add up to ${tengeOfMilli(total)}, ${tengeOfMilli(Math.abs(difference))} ${more ? "more" : "less"} than amount (${formatTenge(amount)})`,
      { itemsTotal: total / 1000, amount, difference: difference / 1000 },
    );
  }
  return ok(items);
}

/** The one line a receipt carries when Bitrix sent none (an old client): the order as a whole. */
export function fallbackItems(input: {
  accountNumber: string | null;
  externalId: string;
  amount: number;
  vatRate: VatRate;
}): OrderItem[] {
  return [
    {
      name: `Заказ № ${input.accountNumber ?? input.externalId}`.slice(0, 255),
      quantity: 1,
      price: input.amount,
      vatRate: input.vatRate,
    },
  ];
}

const storedSchema = z.array(itemSchema);

/** The stored lines of an order (Order.items), or null when none were sent or the JSON is unreadable. */
export function storedItems(json: string | null): OrderItem[] | null {
  if (!json) return null;
  try {
    const parsed = storedSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export const customerSchema = z
  .object({
    email: z.email("customer.email must be an e-mail address").max(254).optional(),
    phone: z.string().max(40).optional(),
  })
  .strict();
export type Customer = z.infer<typeof customerSchema>;
