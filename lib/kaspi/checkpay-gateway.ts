import { z } from "zod";
import type { Db } from "../db";
import type {
  CreatePaymentInput,
  CreatedPayment,
  KaspiGateway,
  KaspiPaymentState,
  KaspiResult,
  RefundResult,
} from "./gateway";
import { kaspiFetch } from "./http-client";

// Kaspi's check/pay provider protocol behind the KaspiGateway port. Kaspi calls us
// (app/api/kaspi/checkpay); there is nothing to create at Kaspi, so "creating a payment" is
// building the Kaspi payment link for the service with the order's account and amount, and
// "reading its status" is reading the pay Kaspi sent us (KaspiCheckpayTxn).

export type CheckpayGatewayConfig = {
  db: () => Db;
  serviceId: string;
  /** Template with {service_id}, {account}, {amount} and (sandbox) {paymentId}. */
  payLink: string;
  /** The built-in sandbox: links are registered with it so its Kaspi app can drive check/pay. */
  sandboxBaseUrl?: string;
  timeoutMs: number;
};

const sandboxLinkSchema = z.object({ paymentId: z.string().min(1), paymentLink: z.url() });

export function fillPayLink(template: string, values: Record<string, string>): string {
  return template.replace(/\{(service_id|account|amount|paymentId)\}/g, (_m, key: string) =>
    encodeURIComponent(values[key] ?? ""),
  );
}

/** Our own reference for an attempt until Kaspi's pay gives the real txn_id. */
export const placeholderPaymentId = (externalId: string) => `gw-${externalId}`;

export function createCheckpayGateway(config: CheckpayGatewayConfig) {
  const gateway = {
    protocol: "checkpay",
    refundSupport: {
      supported: false,
      reason: "the check/pay protocol has no refund call: refund in Kaspi Business or as your agreement says",
    },

    async createPayment(input: CreatePaymentInput): Promise<KaspiResult<CreatedPayment>> {
      const account = input.account ?? input.externalId;
      const values = { service_id: config.serviceId, account, amount: String(input.amount) };
      if (config.sandboxBaseUrl) {
        const res = await kaspiFetch({
          method: "POST",
          url: new URL("checkpay/links", config.sandboxBaseUrl).toString(),
          headers: {},
          body: { serviceId: config.serviceId, account, amount: input.amount, externalId: input.externalId },
          timeoutMs: config.timeoutMs,
        });
        if (!res.ok) return res;
        const parsed = sandboxLinkSchema.safeParse(res.value.json);
        if (!parsed.success) return { ok: false, error: { kind: "invalid_response", message: "sandbox link answer" } };
        const link = fillPayLink(config.payLink, { ...values, paymentId: parsed.data.paymentId });
        return {
          ok: true,
          value: { kaspiPaymentId: parsed.data.paymentId, paymentLink: link, qr: { format: "text", value: link } },
        };
      }
      const link = fillPayLink(config.payLink, values);
      return {
        ok: true,
        value: {
          kaspiPaymentId: placeholderPaymentId(input.externalId),
          paymentLink: link,
          qr: { format: "text", value: link },
        },
      };
    },

    // Kaspi has no status call here: the truth is whether Kaspi's own `pay` reached us.
    async getPayment(kaspiPaymentId: string): Promise<KaspiResult<KaspiPaymentState>> {
      const db = config.db();
      const payment = await db.payment.findUnique({ where: { kaspiPaymentId }, select: { id: true } });
      const txn = payment ? await db.kaspiCheckpayTxn.findUnique({ where: { paymentId: payment.id } }) : null;
      if (!txn) return { ok: true, value: { kaspiPaymentId, status: "PENDING", rawStatus: "NO_PAY" } };
      return {
        ok: true,
        value: { kaspiPaymentId, status: "PAID", rawStatus: "PAY", amount: txn.amount, transactionId: txn.txnId },
      };
    },

    async refund(): Promise<KaspiResult<RefundResult>> {
      return { ok: false, error: { kind: "rejected", message: "refunds are not supported by the check/pay protocol" } };
    },
  } satisfies KaspiGateway;
  return gateway;
}
