import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { payPaymentTransport } from "@/lib/bitrix24/pay-payment-transport";
import { HANDLER_CODE } from "@/lib/bitrix24/register";
import { createBitrix24Client } from "@/lib/bitrix24/rest-client";
import { Bitrix24StandIn } from "./rest-stand-in";

// Bitrix24 gets the fiscal receipt's link in the payment's comment (sale.payment.update, fields
// .comments — b24restdocs api-reference/sale/payment/sale-payment-update.md), after the payment is
// marked paid; a return receipt's link goes with the refund's record.

const portal = new Bitrix24StandIn();
const paySystemId = 51;
const url = "https://cabinet.wofd.kz/consumer?i=367645207&f=032600010282&s=12500.00&t=20250914T165537";

beforeAll(async () => {
  await portal.start();
  portal.paySystems.push({
    ID: String(paySystemId),
    NAME: "Kaspi",
    PERSON_TYPE_ID: "3",
    ACTION_FILE: HANDLER_CODE,
    ACTIVE: "Y",
  });
});
afterAll(() => portal.stop());

const transport = () => payPaymentTransport(createBitrix24Client({ webhookUrl: portal.webhookUrl }));
const row = (payload: Record<string, unknown>) => ({
  event: String(payload.event),
  payload: JSON.stringify(payload),
  orderId: "ord_x",
  paymentId: "pay_x",
});

describe("Bitrix24: the receipt's link in the payment's comment", () => {
  it("payment.paid with receiptUrl: paid, then the comment; a retry writes the same comment", async () => {
    const payment = portal.addPayment({ id: 8101, sum: 12_500, paySystemId });
    const paid = row({
      event: "payment.paid",
      externalId: `b24-${paySystemId}-${payment.id}`,
      amount: 12_500,
      kaspiPaymentId: "kp-1",
      paidAt: new Date().toISOString(),
      receiptUrl: url,
    });
    expect(await transport()(paid)).toMatchObject({ kind: "delivered", detail: expect.stringContaining("receipt") });
    expect(payment.paid).toBe("Y");
    expect(payment.fields.comments).toBe(`Kaspi Pay kp-1: чек ${url}`);
    expect(await transport()(paid)).toMatchObject({ kind: "delivered" });
    expect(payment.paidTransitions).toBe(1);
    expect(portal.callsOf("sale.payment.update").at(-1)).toEqual({
      id: payment.id,
      fields: { paySystemId, comments: `Kaspi Pay kp-1: чек ${url}` },
    });
  });

  it("the portal refusing the comment makes the row retry; without a link no comment is written", async () => {
    const payment = portal.addPayment({ id: 8102, sum: 5000, paySystemId });
    const base = {
      event: "payment.paid",
      externalId: `b24-${paySystemId}-${payment.id}`,
      amount: 5000,
      kaspiPaymentId: "kp-2",
      paidAt: "x",
    };
    portal.fail("sale.payment.update", { error: "ERROR_CHECK_FAILURE", description: "busy" });
    expect(await transport()(row({ ...base, receiptUrl: url }))).toMatchObject({ kind: "retry" });
    const other = portal.addPayment({ id: 8103, sum: 5000, paySystemId });
    const updates = portal.callsOf("sale.payment.update").length;
    expect(await transport()(row({ ...base, externalId: `b24-${paySystemId}-${other.id}` }))).toMatchObject({
      kind: "delivered",
    });
    expect(portal.callsOf("sale.payment.update")).toHaveLength(updates);
  });

  it("payment.refunded with the return receipt's link records it with the refund", async () => {
    const payment = portal.addPayment({ id: 8104, sum: 12_500, paySystemId });
    const refunded = row({
      event: "payment.refunded",
      externalId: `b24-${paySystemId}-${payment.id}`,
      refundId: "rfd_1",
      amount: 2500,
      refundedTotal: 2500,
      paymentAmount: 12_500,
      status: "PARTIALLY_REFUNDED",
      kaspiPaymentId: "kp-3",
      refundedAt: "x",
      receiptUrl: url,
    });
    expect(await transport()(refunded)).toMatchObject({ kind: "delivered" });
    expect(String(payment.fields.comments)).toContain(`чек возврата ${url}`);
  });
});
