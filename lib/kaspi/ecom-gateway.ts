import type { z } from "zod";
import type {
  CreatePaymentInput,
  CreatedPayment,
  KaspiGateway,
  KaspiPaymentState,
  KaspiResult,
  RefundResult,
} from "./gateway";
import {
  ecomCreateResponseSchema,
  ecomQrResponseSchema,
  ecomStatusResponseSchema,
  type EcomCreateRequest,
} from "./ecom-schemas";
import { mapEcomStatus } from "./ecom-status";
import { kaspiFetch } from "./http-client";

export type EcomGatewayConfig = {
  baseUrl: string;
  token: string;
  timeoutMs: number;
  /** "link": payments/create, QR drawn from the link. "qr-image": payments/qr, Kaspi's PNG. */
  presentation: "link" | "qr-image";
};

function parse<S extends z.ZodType>(schema: S, json: unknown): KaspiResult<z.infer<S>> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, error: { kind: "invalid_response", message: "response does not have the documented shape" } };
  }
  return { ok: true, value: parsed.data };
}

/** Either create answer: Kaspi's payment id, how the shopper is shown it, and the expiry when Kaspi gives one. */
function created(
  data: { paymentId: string; expiresAt?: string | undefined },
  shown: Pick<CreatedPayment, "paymentLink" | "qr">,
): KaspiResult<CreatedPayment> {
  return {
    ok: true,
    value: {
      kaspiPaymentId: data.paymentId,
      ...shown,
      ...(data.expiresAt ? { expiresAt: new Date(data.expiresAt) } : {}),
    },
  };
}

export function createEcomGateway(config: EcomGatewayConfig) {
  const url = (path: string) => new URL(path, config.baseUrl).toString();

  function payload(input: CreatePaymentInput): EcomCreateRequest {
    return {
      device: { platformType: "WEB", id: input.deviceId },
      amount: { value: input.amount, currency: "KZT" },
      externalId: input.externalId,
      description: input.description,
      paymentType: "ECOM",
      customer: input.phone ? { phone: input.phone } : {},
      ...(input.redirectUrl ? { redirectUrl: input.redirectUrl } : {}),
      callbackUrl: input.callbackUrl,
    };
  }

  const gateway = {
    protocol: "ecom",
    refundSupport: {
      supported: false,
      reason: "Kaspi's eCommerce API documents no refund call: refund in Kaspi Business",
    },

    async refund(): Promise<KaspiResult<RefundResult>> {
      return { ok: false, error: { kind: "rejected", message: "refunds are not supported by the eCommerce API" } };
    },

    // A timeout may hide a payment Kaspi did create. Retrying is safe only because the request is
    // keyed by our per-attempt externalId: Kaspi answers a repeat with the payment it already has,
    // so one attempt never becomes two Kaspi payments.
    async createPayment(input: CreatePaymentInput): Promise<KaspiResult<CreatedPayment>> {
      const asImage = config.presentation === "qr-image";
      const res = await kaspiFetch({
        method: "POST",
        url: url(asImage ? "api/v1/payments/qr" : "api/v1/payments/create"),
        headers: { Authorization: `Bearer ${config.token}` },
        body: payload(input),
        timeoutMs: config.timeoutMs,
        retries: 2,
      });
      if (!res.ok) return res;
      if (asImage) {
        const parsed = parse(ecomQrResponseSchema, res.value.json);
        if (!parsed.ok) return parsed;
        const d = parsed.value.data;
        return created(d, { qr: { format: "png-base64", value: d.qrCode } });
      }
      const parsed = parse(ecomCreateResponseSchema, res.value.json);
      if (!parsed.ok) return parsed;
      const d = parsed.value.data;
      return created(d, { paymentLink: d.paymentLink, qr: { format: "text", value: d.paymentLink } });
    },

    async getPayment(kaspiPaymentId: string): Promise<KaspiResult<KaspiPaymentState>> {
      const res = await kaspiFetch({
        method: "GET",
        url: url(`api/v1/payments/${encodeURIComponent(kaspiPaymentId)}`),
        headers: { Authorization: `Bearer ${config.token}` },
        timeoutMs: config.timeoutMs,
        retries: 2,
      });
      if (!res.ok) return res;
      const parsed = parse(ecomStatusResponseSchema, res.value.json);
      if (!parsed.ok) return parsed;
      const d = parsed.value.data;
      const status = mapEcomStatus(d.status);
      // "Paid" counts only with Kaspi stating what was paid: an amount in KZT. Without it the answer
      // proves nothing, so it is treated as unreadable (retried later), never as a pass.
      if (status === "PAID" && (!d.amount || d.amount.currency !== "KZT" || !Number.isInteger(d.amount.value))) {
        return {
          ok: false,
          error: { kind: "invalid_response", message: `Kaspi said ${d.status} without an amount in KZT` },
        };
      }
      return {
        ok: true,
        value: {
          kaspiPaymentId: d.paymentId ?? kaspiPaymentId,
          status,
          rawStatus: d.status,
          ...(d.amount ? { amount: d.amount.value } : {}),
          ...(d.externalId ? { externalId: d.externalId } : {}),
        },
      };
    },
  } satisfies KaspiGateway;

  return gateway;
}
