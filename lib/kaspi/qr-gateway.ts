import type { z } from "zod";
import type {
  CreatePaymentInput,
  CreatedPayment,
  KaspiGateway,
  KaspiLoan,
  KaspiPaymentState,
  KaspiResult,
  RefundInput,
  RefundResult,
} from "./gateway";
import {
  qrCreateDataSchema,
  qrCreateLinkDataSchema,
  qrDeviceRegisterDataSchema,
  qrReturnDataSchema,
  qrStatusDataSchema,
  qrTradePointsSchema,
  type QrMeta,
} from "./qr-schemas";
import { mapQrStatus } from "./qr-status";
import { parseKaspiDate, qrCall, type QrTransportConfig } from "./qr-transport";

// The Kaspi QR merchant API behind the KaspiGateway port. Kaspi never calls back: the app polls
// payment/status at the interval Kaspi gives (lib/payments/qr-poll-use-case.ts).

export type QrGatewayConfig = QrTransportConfig & {
  /** From device/register (scripts/kaspi-qr-setup.ts). */
  deviceToken: string;
  /** When Kaspi does not say: seconds between status calls. */
  defaultPollIntervalMs?: number;
};

/** A payment link is valid for 3 minutes once the shopper opens it (Kaspi's rule for qr/create-link). */
export const LINK_ACTIVATION_MS = 180_000;

const DEFAULT_POLL_MS = 5_000;

/** QrPaymentId is a number at Kaspi; ours is a string. Long digit strings go back as numbers. */
function paymentIdForKaspi(id: string): number | string {
  return /^\d{1,15}$/.test(id) ? Number(id) : id;
}

type Methods = z.infer<typeof qrCreateDataSchema>["PaymentMethods"];

/** The first loan offer among PaymentMethods, if Kaspi listed one. */
export function loanOf(methods: Methods): KaspiLoan | undefined {
  for (const m of methods ?? []) {
    if (typeof m === "object" && m.LoanOfferName) {
      return { offerName: m.LoanOfferName, ...(typeof m.LoanTerm === "number" ? { term: m.LoanTerm } : {}) };
    }
  }
  return undefined;
}

export function createQrGateway(config: QrGatewayConfig) {
  const defaultPoll = config.defaultPollIntervalMs ?? DEFAULT_POLL_MS;

  const gateway = {
    protocol: "qr",
    refundSupport: { supported: true, partial: true },

    // Never retried: a timeout may hide a payment Kaspi did create (the attempt is failed instead).
    async createPayment(input: CreatePaymentInput): Promise<KaspiResult<CreatedPayment>> {
      const body = { DeviceToken: config.deviceToken, Amount: input.amount, ExternalId: input.externalId };
      const now = Date.now();
      if (input.device === "mobile") {
        const res = await qrCall(config, { method: "POST", path: "qr/create-link", body }, qrCreateLinkDataSchema);
        if (!res.ok) return res;
        const d = res.value;
        const options = d.PaymentBehaviorOptions ?? d.QrPaymentBehaviorOptions ?? {};
        const pollIntervalMs = (options.StatusPollingInterval ?? 0) * 1000 || defaultPoll;
        const expiresAt = parseKaspiDate(d.ExpireDate);
        const meta: QrMeta = {
          protocol: "qr",
          presentation: "link",
          pollIntervalMs,
          ...(options.PaymentConfirmationTimeout ? { confirmMs: options.PaymentConfirmationTimeout * 1000 } : {}),
        };
        const loan = loanOf(d.PaymentMethods);
        return {
          ok: true,
          value: {
            kaspiPaymentId: String(d.PaymentId),
            paymentLink: d.PaymentLink,
            ...(expiresAt ? { expiresAt } : {}),
            firstCheckAt: new Date(now + pollIntervalMs),
            meta,
            ...(loan ? { loan } : {}),
          },
        };
      }
      const res = await qrCall(config, { method: "POST", path: "qr/create", body }, qrCreateDataSchema);
      if (!res.ok) return res;
      const d = res.value;
      const options = d.QrPaymentBehaviorOptions ?? {};
      const pollIntervalMs = (options.StatusPollingInterval ?? 0) * 1000 || defaultPoll;
      const expiresAt = parseKaspiDate(d.ExpireDate);
      const meta: QrMeta = {
        protocol: "qr",
        presentation: "qr",
        pollIntervalMs,
        ...(options.QrCodeScanWaitTimeout ? { scanWaitMs: options.QrCodeScanWaitTimeout * 1000 } : {}),
        ...(options.PaymentConfirmationTimeout ? { confirmMs: options.PaymentConfirmationTimeout * 1000 } : {}),
      };
      const loan = loanOf(d.PaymentMethods);
      return {
        ok: true,
        value: {
          kaspiPaymentId: String(d.QrPaymentId),
          qr: { format: "text", value: d.QrToken },
          ...(expiresAt ? { expiresAt } : {}),
          firstCheckAt: new Date(now + pollIntervalMs),
          meta,
          ...(loan ? { loan } : {}),
        },
      };
    },

    async getPayment(kaspiPaymentId: string): Promise<KaspiResult<KaspiPaymentState>> {
      const res = await qrCall(
        config,
        { method: "GET", path: `payment/status/${encodeURIComponent(kaspiPaymentId)}`, retries: 2 },
        qrStatusDataSchema,
      );
      if (!res.ok) return res;
      const d = res.value;
      const mapped = mapQrStatus(d.Status);
      return {
        ok: true,
        value: {
          kaspiPaymentId,
          status: mapped.status,
          rawStatus: d.Status,
          ...(mapped.stage ? { stage: mapped.stage } : {}),
          ...(typeof d.Amount === "number" ? { amount: d.Amount } : {}),
          ...(d.TransactionId != null ? { transactionId: String(d.TransactionId) } : {}),
          ...(d.LoanOfferName
            ? { loan: { offerName: d.LoanOfferName, ...(typeof d.LoanTerm === "number" ? { term: d.LoanTerm } : {}) } }
            : {}),
        },
      };
    },

    // Not retried: payment/return has no idempotency key, so a lost answer is settled by a person.
    async refund(input: RefundInput): Promise<KaspiResult<RefundResult>> {
      const res = await qrCall(
        config,
        {
          method: "POST",
          path: "payment/return",
          body: {
            DeviceToken: config.deviceToken,
            QrPaymentId: paymentIdForKaspi(input.kaspiPaymentId),
            Amount: input.amount,
          },
        },
        qrReturnDataSchema,
      );
      if (!res.ok) return res;
      const id = res.value?.ReturnOperationId;
      return { ok: true, value: id == null ? {} : { kaspiRefundId: String(id) } };
    },
  } satisfies KaspiGateway;

  return gateway;
}

/** Set-up calls (not part of the port): the merchant's trade points, and registering this app as a device. */
export function createQrSetup(config: QrTransportConfig) {
  return {
    listTradePoints() {
      const path =
        config.scheme === "r3" && config.organizationBin
          ? `partner/tradepoints/${encodeURIComponent(config.organizationBin)}`
          : "partner/tradepoints";
      return qrCall(config, { method: "GET", path }, qrTradePointsSchema);
    },
    registerDevice(input: { deviceId: string; tradePointId: string | number }) {
      return qrCall(
        config,
        {
          method: "POST",
          path: "device/register",
          body: { DeviceId: input.deviceId, TradePointId: input.tradePointId },
        },
        qrDeviceRegisterDataSchema,
      );
    },
  };
}
