import { z } from "zod";
import type { DeliveryOutcome, NotificationTransport } from "../outbox/delivery";
import { parseBitrix24ExternalId } from "./external-id";
import { salePaymentSchema } from "./payment-schemas";
import { describeRestError, type Bitrix24Client } from "./rest-client";

// Delivers a payment.paid outbox row to a Bitrix24 portal: records the Kaspi details on the payment
// (sale.payment.update) and marks it paid (sale.paysystem.pay.payment). A REST error is a failed
// delivery, retried by the outbox with its backoff and shown on the timeline; a payment the portal
// already has as paid counts as delivered, so a retry after a lost answer changes nothing.

const paidSchema = z.object({
  event: z.literal("payment.paid"),
  externalId: z.string(),
  amount: z.number().int(),
  kaspiPaymentId: z.string(),
  paidAt: z.string(),
});

export function payPaymentTransport(client: Bitrix24Client): NotificationTransport {
  return async (row): Promise<DeliveryOutcome> => {
    let payload: z.infer<typeof paidSchema>;
    try {
      payload = paidSchema.parse(JSON.parse(row.payload));
    } catch {
      return { ok: false, error: `${row.event}: not a payment.paid notification` };
    }
    const ref = parseBitrix24ExternalId(payload.externalId);
    if (!ref) return { ok: false, error: `externalId ${payload.externalId} is not a Bitrix24 payment` };

    const update = await client.call("sale.payment.update", {
      id: ref.paymentId,
      fields: {
        psStatus: "Y",
        psStatusCode: "PAID",
        psStatusDescription: `Kaspi Pay ${payload.kaspiPaymentId}`,
        psInvoiceId: payload.kaspiPaymentId,
        psSum: payload.amount,
        psCurrency: "KZT",
        psResponseDate: payload.paidAt,
      },
    });
    if (!update.ok && !(await alreadyPaid(client, ref.paymentId))) {
      return { ok: false, error: describeRestError("sale.payment.update", update) };
    }

    const pay = await client.call("sale.paysystem.pay.payment", {
      PAYMENT_ID: Number(ref.paymentId),
      PAY_SYSTEM_ID: Number(ref.paySystemId),
    });
    if (pay.ok && pay.result === true) {
      return { ok: true, status: 200, detail: `sale.paysystem.pay.payment(${ref.paymentId}) → true` };
    }
    if (await alreadyPaid(client, ref.paymentId)) {
      return { ok: true, status: 200, detail: `payment ${ref.paymentId} is already paid in Bitrix24` };
    }
    return {
      ok: false,
      error: pay.ok
        ? `sale.paysystem.pay.payment answered ${JSON.stringify(pay.result)}`
        : describeRestError("sale.paysystem.pay.payment", pay),
    };
  };
}

async function alreadyPaid(client: Bitrix24Client, paymentId: string): Promise<boolean> {
  const answer = await client.call("sale.payment.get", { id: paymentId });
  if (!answer.ok) return false;
  const parsed = salePaymentSchema.safeParse(answer.result);
  return parsed.success && parsed.data.payment.paid === "Y";
}
