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
import { postOnline } from "./online-entry";
import { onlineFormFields, onlineRequest, pngBase64, redirectLink } from "./online-schemas";

// Kaspi's check/pay provider protocol behind the KaspiGateway port. Kaspi calls us
// (app/api/kaspi/checkpay) and "reading a payment's status" is reading the pay Kaspi sent us
// (KaspiCheckpayTxn). "Creating a payment" depends on how the shopper reaches the Service:
// - entry "online" (the Kaspi button, docs/kaspi.md): one POST of the order to KASPI_ONLINE_URL,
//   whose answer is a link into the Kaspi app and a QR image; if Kaspi does not take the JSON
//   request, the checkout posts the same fields as a browser form instead;
// - entry "link": the service's Kaspi payment link, filled with the order's account and amount.

export type CheckpayGatewayConfig = {
  db: () => Db;
  serviceId: string;
  entry: "online" | "link";
  /** entry "link": template with {service_id}, {account}, {amount} and (sandbox) {paymentId}. */
  payLink: string;
  /**
   * entry "online": where the server POSTs the JSON, where a browser form posts (the same URL but
   * as the shopper reaches it), the app's host (refererHost), and whether http links are fine (sandbox).
   */
  online?: { postUrl: string; formUrl: string; refererHost: string; allowHttp: boolean };
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

/** Where an online attempt stands: Kaspi's link (JSON answered) or the browser form (JSON refused). */
export type OnlineMeta =
  | { entry: "online"; transport: "json" }
  | { entry: "online"; transport: "form"; reason: string; form: { action: string; fields: Record<string, string> } };

async function createOnline(
  config: CheckpayGatewayConfig,
  online: NonNullable<CheckpayGatewayConfig["online"]>,
  input: CreatePaymentInput,
): Promise<KaspiResult<CreatedPayment>> {
  const request = onlineRequest({
    account: input.account ?? input.externalId,
    amount: input.amount,
    serviceId: config.serviceId,
    returnUrl: input.returnUrl ?? input.redirectUrl ?? `https://${online.refererHost}/`,
    refererHost: online.refererHost,
  });
  const kaspiPaymentId = placeholderPaymentId(input.externalId);
  const posted = await postOnline({ url: online.postUrl, request, timeoutMs: config.timeoutMs });
  if (!posted.ok) return posted;
  if (posted.value.kind === "json_refused") {
    const meta: OnlineMeta = {
      entry: "online",
      transport: "form",
      reason: posted.value.reason,
      form: { action: online.formUrl, fields: onlineFormFields(request) },
    };
    return { ok: true, value: { kaspiPaymentId, meta } };
  }
  const { answer } = posted.value;
  if (answer.code !== 0) {
    const said = answer.message ? `: ${answer.message.slice(0, 200)}` : "";
    return {
      ok: false,
      error: {
        kind: "rejected",
        message: `Kaspi refused the payment (code ${answer.code})${said}`,
        code: String(answer.code),
      },
    };
  }
  const link = redirectLink(answer.redirectUrl, online.allowHttp);
  if (!link)
    return { ok: false, error: { kind: "invalid_response", message: "Kaspi's answer has no usable redirectUrl" } };
  const png = pngBase64(answer.qrCodeImage);
  const meta: OnlineMeta = { entry: "online", transport: "json" };
  return {
    ok: true,
    value: {
      kaspiPaymentId,
      paymentLink: link,
      // Kaspi's own QR image when it sent a PNG; else the page draws one from the link.
      qr: png ? { format: "png-base64", value: png } : { format: "text", value: link },
      meta,
    },
  };
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
      if (config.entry === "online" && config.online) return createOnline(config, config.online, input);
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
