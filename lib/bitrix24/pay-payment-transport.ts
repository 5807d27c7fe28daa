import { z } from "zod";
import type { DeliveryOutcome, NotificationTransport } from "../outbox/delivery";
import { formatTenge } from "../money";
import { parseBitrix24ExternalId } from "./external-id";
import { salePaymentSchema } from "./payment-schemas";
import { describeRestError, type Bitrix24Client, type RestError } from "./rest-client";

// Delivers outbox rows to a Bitrix24 portal.
// payment.paid → sale.paysystem.pay.payment with the Kaspi details in the call itself: Bitrix's
//   RestHandler::processRequest (sale/lib/paysystem/resthandler.php, getPsData) takes PS_INVOICE_ID,
//   PS_SUM, PS_CURRENCY and PS_STATUS_* from the request the method builds out of its parameters.
//   No sale.payment.update before it: that method requires PAY_SYSTEM_ID among the fields
//   (sale/lib/rest/entity/payment.php) and is not needed.
// payment.refunded → sale.payment.update recording the refund on the payment (status code,
//   description, return comment). The REST API cannot "return to the payment system" a payment of
//   a REST handler (RestHandler implements no IRefund; Payment::onFieldModify of IS_RETURN then
//   refuses), so the payment stays paid in Bitrix24 and the manager sees the refund written on it.
// A notification with a fiscal receipt's link (receiptUrl, lib/fiscal/) also writes it into the
//   payment's comment: sale.payment.update { id, fields: { paySystemId, comments } } — "comments:
//   Comments on the payment" (bitrix24/b24restdocs api-reference/sale/payment/sale-payment-update.md).
//   A retry repeats it (the same text): the payment is already paid, so only the comment is written.
// A REST error is a `retry`; a row that can never be delivered (not ours, malformed) is `final`.

const paidSchema = z.object({
  event: z.literal("payment.paid"),
  externalId: z.string(),
  amount: z.number().int(),
  kaspiPaymentId: z.string(),
  paidAt: z.string(),
  receiptUrl: z.url().optional(),
});
const refundedSchema = z.object({
  event: z.literal("payment.refunded"),
  externalId: z.string(),
  refundId: z.string(),
  amount: z.number().int(),
  refundedTotal: z.number().int(),
  paymentAmount: z.number().int(),
  status: z.enum(["PARTIALLY_REFUNDED", "REFUNDED"]),
  kaspiPaymentId: z.string(),
  refundedAt: z.string(),
  receiptUrl: z.url().optional(),
});
const payloadSchema = z.discriminatedUnion("event", [paidSchema, refundedSchema]);

const retry = (method: string, e: RestError): DeliveryOutcome => ({
  kind: "retry",
  error: describeRestError(method, e),
});

export function payPaymentTransport(client: Bitrix24Client): NotificationTransport {
  return async (row): Promise<DeliveryOutcome> => {
    let payload: z.infer<typeof payloadSchema>;
    try {
      payload = payloadSchema.parse(JSON.parse(row.payload));
    } catch {
      return { kind: "final", error: `${row.event}: not a notification this connector can deliver` };
    }
    const ref = parseBitrix24ExternalId(payload.externalId);
    if (!ref) return { kind: "final", error: `externalId ${payload.externalId} is not a Bitrix24 payment` };
    return payload.event === "payment.paid" ? markPaid(client, ref, payload) : recordRefund(client, ref, payload);
  };
}

async function markPaid(
  client: Bitrix24Client,
  ref: { paymentId: string; paySystemId: string },
  payload: z.infer<typeof paidSchema>,
): Promise<DeliveryOutcome> {
  const pay = await client.call("sale.paysystem.pay.payment", {
    PAYMENT_ID: Number(ref.paymentId),
    PAY_SYSTEM_ID: Number(ref.paySystemId),
    PS_INVOICE_ID: payload.kaspiPaymentId,
    PS_SUM: payload.amount,
    PS_CURRENCY: "KZT",
    PS_STATUS_CODE: "PAID",
    PS_STATUS_DESCRIPTION: `Kaspi Pay ${payload.kaspiPaymentId}`,
    PS_STATUS_MESSAGE: payload.paidAt,
  });
  let detail: string | undefined;
  if (pay.ok && pay.result === true) detail = `sale.paysystem.pay.payment(${ref.paymentId}) → true`;
  // A retry after a lost answer: the portal already has the payment as paid.
  else if (await alreadyPaid(client, ref.paymentId)) detail = `payment ${ref.paymentId} is already paid in Bitrix24`;
  if (detail) {
    if (!payload.receiptUrl) return { kind: "delivered", status: 200, detail };
    const comment = await writeReceiptComment(client, ref, `Kaspi Pay ${payload.kaspiPaymentId}: чек ${payload.receiptUrl}`);
    return comment ?? { kind: "delivered", status: 200, detail: `${detail}; receipt in the payment's comment` };
  }
  return pay.ok
    ? { kind: "retry", error: `sale.paysystem.pay.payment answered ${JSON.stringify(pay.result)}` }
    : retry("sale.paysystem.pay.payment", pay);
}

async function recordRefund(
  client: Bitrix24Client,
  ref: { paymentId: string; paySystemId: string },
  payload: z.infer<typeof refundedSchema>,
): Promise<DeliveryOutcome> {
  const text = `Kaspi refund ${formatTenge(payload.amount)} (${formatTenge(payload.refundedTotal)} of ${formatTenge(payload.paymentAmount)}), ${payload.refundId}`;
  const update = await client.call("sale.payment.update", {
    id: Number(ref.paymentId),
    fields: {
      paySystemId: Number(ref.paySystemId),
      psStatusCode: payload.status,
      psStatusDescription: text.slice(0, 250),
      payReturnComment: text.slice(0, 250),
      ...(payload.receiptUrl ? { comments: `${text}: чек возврата ${payload.receiptUrl}` } : {}),
    },
  });
  if (!update.ok) return retry("sale.payment.update", update);
  return { kind: "delivered", status: 200, detail: `sale.payment.update(${ref.paymentId}): ${payload.status}` };
}

/** The receipt's link in the payment's comment; a `retry` outcome when the portal refused it. */
async function writeReceiptComment(
  client: Bitrix24Client,
  ref: { paymentId: string; paySystemId: string },
  comments: string,
): Promise<DeliveryOutcome | null> {
  const update = await client.call("sale.payment.update", {
    id: Number(ref.paymentId),
    fields: { paySystemId: Number(ref.paySystemId), comments },
  });
  return update.ok ? null : retry("sale.payment.update", update);
}

async function alreadyPaid(client: Bitrix24Client, paymentId: string): Promise<boolean> {
  const answer = await client.call("sale.payment.get", { id: paymentId });
  if (!answer.ok) return false;
  const parsed = salePaymentSchema.safeParse(answer.result);
  return parsed.success && parsed.data.payment.paid === "Y";
}
