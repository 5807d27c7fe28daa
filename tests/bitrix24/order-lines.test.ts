import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CheckoutPortalGuard } from "@/lib/bitrix24/checkout-budget";
import { startBitrix24Checkout, type Bitrix24CheckoutDeps } from "@/lib/bitrix24/checkout-use-case";
import { createBitrix24Client } from "@/lib/bitrix24/rest-client";
import { HANDLER_CODE } from "@/lib/bitrix24/register";
import { db } from "@/lib/db";
import { storedItems } from "@/lib/payments/order-items";
import { Bitrix24StandIn } from "./rest-stand-in";

// The Bitrix24 checkout reads the order's lines for the fiscal receipt over REST
// (sale.basketitem.list + sale.shipment.list on the webhook) when receipts are on, and falls back
// to one line for the order whenever they cannot make this payment's receipt.

const portal = new Bitrix24StandIn();
let paySystemId = 0;
let nextId = 7000;

beforeAll(async () => {
  await portal.start();
  paySystemId = 41;
  portal.paySystems.push({
    ID: String(paySystemId),
    NAME: "Kaspi",
    PERSON_TYPE_ID: "3",
    ACTION_FILE: HANDLER_CODE,
    ACTIVE: "Y",
  });
});
afterAll(() => portal.stop());

function deps(over: Partial<Bitrix24CheckoutDeps> = {}): Bitrix24CheckoutDeps {
  return {
    db: db(),
    client: createBitrix24Client({ webhookUrl: portal.webhookUrl }),
    appUrl: "http://app.test",
    limits: { min: 100, max: 5_000_000 },
    mode: "sandbox",
    portalUrl: portal.webhookUrl,
    guard: new CheckoutPortalGuard(() => ({ perPayment: 6, perStore: 60 })),
    receiptLines: { deliveryVatRate: 16 },
    ...over,
  };
}

async function checkout(
  sum: number,
  basket: Record<string, unknown>[],
  shipments: Record<string, unknown>[],
  d = deps(),
) {
  const payment = portal.addPayment({ id: nextId++, sum, paySystemId, basket, shipments });
  const result = await startBitrix24Checkout(d, {
    BX_SYSTEM_PARAMS: { PAYMENT_ID: String(payment.id), PAYSYSTEM_ID: String(paySystemId), SUM: sum, CURRENCY: "KZT" },
  } as Parameters<typeof startBitrix24Checkout>[1]);
  expect(result.ok, JSON.stringify(result)).toBe(true);
  const order = await db().order.findFirstOrThrow({ where: { externalId: `b24-${paySystemId}-${payment.id}` } });
  return { order, payment };
}

// As the portal answers: numbers as strings, rates as fractions (b24restdocs sale_basket_item).
const tea = { name: "Чай", price: "2500.0000", quantity: "2.0000", vatRate: "0.16", vatIncluded: "Y" };
const honey = { name: "Мёд", price: "4000.0000", quantity: "0.7500", vatRate: null, vatIncluded: "Y" };

describe("Bitrix24 checkout → the receipt's lines over REST", () => {
  it("basket lines and the delivery become the order's items", async () => {
    const { order, payment } = await checkout(
      12_500,
      [tea, honey],
      [{ priceDelivery: "4500.00" }, { priceDelivery: "0" }],
    );
    expect(storedItems(order.items)).toEqual([
      { name: "Чай", quantity: 2, price: 2500, vatRate: 16 },
      { name: "Мёд", quantity: 0.75, price: 4000, vatRate: null },
      { name: "Доставка", quantity: 1, price: 4500, vatRate: 16 },
    ]);
    const basketCall = portal.callsOf("sale.basketitem.list").at(-1);
    expect(basketCall).toMatchObject({ filter: { orderId: payment.orderId } });
    expect(portal.callsOf("sale.shipment.list").at(-1)).toMatchObject({ filter: { orderId: payment.orderId } });
  });

  it("a price kept without VAT is sent with it", async () => {
    const chair = { name: "Стул", price: "10775.862069", quantity: "1", vatRate: "0.16", vatIncluded: "N" };
    const { order } = await checkout(12_500, [chair], []);
    expect(storedItems(order.items)).toEqual([{ name: "Стул", quantity: 1, price: 12_500, vatRate: 16 }]);
  });

  it.each([
    ["a payment of part of the order", 6000, [tea, honey], []],
    ["a price with tiyn", 12_500, [{ ...tea, price: "2499.5", quantity: "5.0001" }], []],
    ["the old 12 % rate", 5000, [{ ...tea, vatRate: "0.12" }], []],
    ["an empty basket", 5000, [], []],
  ])("no lines (one line for the order on the receipt) for %s", async (_, sum, basket, shipments) => {
    const { order } = await checkout(sum as number, basket as Record<string, unknown>[], shipments as []);
    expect(order.items).toBeNull();
  });

  it("the portal failing to list the basket does not fail the checkout", async () => {
    portal.fail("sale.basketitem.list", { error: "ACCESS_DENIED", status: 403 });
    const { order } = await checkout(5000, [{ ...tea, quantity: "2" }], []);
    expect(order.items).toBeNull();
  });

  it("with receipts off, no REST call beyond the confirmation", async () => {
    const before = portal.calls.length;
    const { order } = await checkout(5000, [{ ...tea, quantity: "2" }], [], deps({ receiptLines: undefined }));
    expect(order.items).toBeNull();
    expect(portal.calls.slice(before).map((c) => c.method)).toEqual(["sale.payment.get", "sale.paysystem.list"]);
  });
});
