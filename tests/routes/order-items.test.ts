import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { storedItems } from "@/lib/payments/order-items";
import { errorCodeOf, orderBody, orderRow, postOrderSigned } from "../helpers";

// POST /api/orders with the order's lines (the fiscal-receipts issue): stored for the receipt,
// every broken rule a 400 INVALID_ITEMS that says what is wrong, the sum checked to the tenge.

const line = (over: Record<string, unknown> = {}) => ({ name: "Чай", quantity: 1, price: 1000, vatRate: 16, ...over });

describe("POST /api/orders — items", () => {
  it("stores the lines and the buyer, unchanged", async () => {
    const items = [
      line({ name: "Чай зелёный", quantity: 2, price: 2500, vatRate: 16 }),
      line({ name: "Мёд", quantity: 0.75, price: 4000, vatRate: 0 }),
      line({ name: "Доставка", quantity: 1, price: 4500, vatRate: null }),
    ];
    const body = orderBody({
      amount: 12_500,
      items,
      customer: { email: "buyer@example.kz", phone: "8 701 234 56 78" },
    });
    const answer = await postOrderSigned(body);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    const order = await orderRow(answer.body.orderId as string);
    expect(storedItems(order.items)).toEqual(items);
    expect(order).toMatchObject({ customerEmail: "buyer@example.kz", customerPhone: "+77012345678" });
  });

  it("an old client without items: no lines stored (the receipt gets one line for the order)", async () => {
    const answer = await postOrderSigned(orderBody({ amount: 5000 }));
    expect(answer.status).toBe(201);
    expect((await orderRow(answer.body.orderId as string)).items).toBeNull();
  });

  it.each([
    ["more", [line({ price: 7000 }), line({ price: 6000 })], "13 000 ₸, 500 ₸ more than amount (12 500 ₸)", 500],
    ["less", [line({ price: 12_000 })], "12 000 ₸, 500 ₸ less than amount (12 500 ₸)", -500],
    ["fractional", [line({ quantity: 1.5, price: 8333 })], "12 499.5 ₸, 0.5 ₸ less than amount", -0.5],
  ])("400 naming the difference when the lines add up to %s", async (_, items, text, difference) => {
    const answer = await postOrderSigned(orderBody({ amount: 12_500, items }));
    expect(answer.status).toBe(400);
    expect(errorCodeOf(answer)).toBe("INVALID_ITEMS");
    const error = (answer.body as { error: { message: string; details: { difference: number } } }).error;
    expect(error.message.replaceAll("\u00a0", " ")).toContain(text);
    expect(error.details.difference).toBe(difference);
  });

  it.each([
    [
      "vatRate 12 (the old rate)",
      [line({ vatRate: 12, price: 12_500 })],
      "items[0].vatRate: vatRate must be null (no VAT), 0 or 16",
    ],
    ["vatRate missing", [{ name: "x", quantity: 1, price: 12_500 }], "items[0].vatRate"],
    ["vatRate as a string", [line({ vatRate: "16", price: 12_500 })], "items[0].vatRate"],
    ["quantity 0", [line({ quantity: 0, price: 12_500 })], "items[0].quantity: quantity must be more than 0"],
    ["quantity with 4 decimals", [line({ quantity: 1.0001, price: 12_500 })], "at most 3 decimals"],
    ["a fractional price", [line({ price: 12_499.5 })], "items[0].price: price must be a whole number of tenge"],
    ["an empty name", [line({ name: "  ", price: 12_500 })], "items[0].name: name must not be empty"],
    ["an empty list", [], "items must not be empty"],
    ["not a list", { name: "x" }, "items must be an array"],
  ])("400 INVALID_ITEMS for %s", async (_, items, text) => {
    const answer = await postOrderSigned(orderBody({ amount: 12_500, items }));
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(errorCodeOf(answer)).toBe("INVALID_ITEMS");
    expect((answer.body as { error: { message: string } }).error.message).toContain(text);
  });

  it("quantities with 3 decimals add up exactly (no float drift)", async () => {
    const items = [
      line({ quantity: 0.333, price: 3000 }),
      line({ quantity: 0.667, price: 3000 }),
      line({ price: 9500 }),
    ];
    const answer = await postOrderSigned(orderBody({ amount: 12_500, items }));
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  });

  it("a bad customer e-mail is a 422 naming the field; a bad customer phone 422 INVALID_PHONE", async () => {
    const email = await postOrderSigned(orderBody({ customer: { email: "not-an-address" } }));
    expect(email.status).toBe(422);
    expect((email.body as { error: { message: string } }).error.message).toContain("customer.email");
    const phone = await postOrderSigned(orderBody({ customer: { phone: "+1 555 0100" } }));
    expect(phone.status).toBe(422);
    expect(errorCodeOf(phone)).toBe("INVALID_PHONE");
  });

  it("a repeat with new lines updates an unpaid order's lines; a paid order keeps its own", async () => {
    const body = orderBody({ amount: 3000, items: [line({ price: 3000 })] });
    const first = await postOrderSigned(body);
    const newer = [line({ name: "Кофе", price: 1000 }), line({ name: "Сахар", price: 2000 })];
    const repeat = await postOrderSigned({ ...body, items: newer });
    expect(repeat.status).toBe(200);
    const orderId = first.body.orderId as string;
    expect(storedItems((await orderRow(orderId)).items)).toEqual(newer);
    const { items: _omitted, ...withoutItems } = body;
    expect((await postOrderSigned(withoutItems)).status).toBe(200);
    expect(storedItems((await orderRow(orderId)).items), "a repeat without lines keeps them").toEqual(newer);
    await db().order.update({ where: { id: orderId }, data: { status: "PAID" } });
    const late = await postOrderSigned({ ...body, items: [line({ name: "Другое", price: 3000 })] });
    expect(late.status).toBe(200);
    expect(storedItems((await orderRow(orderId)).items)).toEqual(newer);
  });

  it("a new amount with lines that match it updates the order and its lines", async () => {
    const body = orderBody({ amount: 3000, items: [line({ price: 3000 })] });
    const first = await postOrderSigned(body);
    const answer = await postOrderSigned({ ...body, amount: 4000, items: [line({ price: 4000 })] });
    expect(answer.status).toBe(200);
    const order = await orderRow(first.body.orderId as string);
    expect(order.amount).toBe(4000);
    expect(storedItems(order.items)).toEqual([line({ price: 4000 })]);
  });
});
