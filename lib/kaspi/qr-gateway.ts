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
  RefundSupport,
} from "./gateway";
import { parseKaspiDate } from "./qr-dates";
import { createQrRemoteInvoice } from "./qr-remote";
import { createQrReturnQr, qrRefund } from "./qr-returns";
import {
  qrCreateDataSchema,
  qrCreateLinkDataSchema,
  qrDeviceRegisterDataSchema,
  qrNoDataSchema,
  qrStatusDataSchema,
  qrStatusV02DataSchema,
  qrTradePointsSchema,
  type QrMeta,
} from "./qr-schemas";
import { mapQrStatus } from "./qr-status";
import { qrCall, type QrTransportConfig } from "./qr-transport";

// The Kaspi QR merchant API behind the KaspiGateway port (docs/kaspi.md §1–§5, Public QR API v3.9).
// Kaspi never calls back: the app polls payment/status at the interval Kaspi gives
// (lib/payments/qr-poll-use-case.ts). What each scheme offers differs: r1 has no refund call,
// r2 refunds through a return QR the customer scans, r3 refunds directly and invoices by phone.

export type QrStatusVersion = "v01" | "v02";

export type QrGatewayConfig = QrTransportConfig & {
  /** From device/register (scripts/kaspi-qr-setup.ts). */
  deviceToken: string;
  /** When Kaspi does not say: milliseconds between status calls. */
  defaultPollIntervalMs?: number;
  /** v01 (v3.9: `Status` only) unless v02 is configured (public code, not in v3.9: docs/kaspi.md §2). */
  statusVersion?: QrStatusVersion;
};

/** The document's example value of QrCodeScanWaitTimeout / LinkActivationWaitTimeout (docs/kaspi.md §3). */
export const LINK_ACTIVATION_MS = 180_000;
const DEFAULT_POLL_MS = 5_000;

/** r1's refund "method" is the cashier in the Kaspi Pay app (docs/kaspi.md §1). */
export const R1_REFUND_REASON = "Kaspi QR r1 has no refund call: refund in the Kaspi Pay app";

export function qrRefundSupport(scheme: QrTransportConfig["scheme"]): RefundSupport {
  if (scheme === "r1") return { supported: false, reason: R1_REFUND_REASON };
  return scheme === "r2" ? { supported: true, partial: true, flow: "return-qr" } : { supported: true, partial: true };
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

type Options = {
  StatusPollingInterval?: number | undefined;
  QrCodeScanWaitTimeout?: number | undefined;
  LinkActivationWaitTimeout?: number | undefined;
  PaymentConfirmationTimeout?: number | undefined;
};

/**
 * The attempt's clock from Kaspi's behaviour options (docs/kaspi.md §3): poll at
 * StatusPollingInterval; the QR (link) is dropped QrCodeScanWaitTimeout (LinkActivationWaitTimeout)
 * after creation; PaymentConfirmationTimeout runs from Wait. Without ExpireDate (or one we cannot
 * read), the scan deadline is the expiry — never a silent 15 minutes.
 */
function clockOf(
  presentation: "qr" | "link",
  options: Options,
  expireDate: string,
  defaultPoll: number,
  now: number,
): { meta: QrMeta; expiresAt: Date; firstCheckAt: Date } {
  const pollIntervalMs = (options.StatusPollingInterval ?? 0) * 1000 || defaultPoll;
  const wait = presentation === "qr" ? options.QrCodeScanWaitTimeout : options.LinkActivationWaitTimeout;
  const scanWaitMs = (wait ?? 0) * 1000 || LINK_ACTIVATION_MS;
  const expire = parseKaspiDate(expireDate)?.getTime() ?? Infinity;
  const meta: QrMeta = {
    protocol: "qr",
    presentation,
    pollIntervalMs,
    scanWaitMs,
    ...(options.PaymentConfirmationTimeout ? { confirmMs: options.PaymentConfirmationTimeout * 1000 } : {}),
  };
  return {
    meta,
    expiresAt: new Date(Math.min(expire, now + scanWaitMs)),
    firstCheckAt: new Date(now + pollIntervalMs),
  };
}

export function createQrGateway(config: QrGatewayConfig) {
  const defaultPoll = config.defaultPollIntervalMs ?? DEFAULT_POLL_MS;
  const version = config.statusVersion ?? "v01";

  const gateway = {
    protocol: "qr",
    refundSupport: qrRefundSupport(config.scheme),

    // Never retried: a timeout may hide a payment Kaspi did create (the attempt is failed instead).
    async createPayment(input: CreatePaymentInput): Promise<KaspiResult<CreatedPayment>> {
      const body = { DeviceToken: config.deviceToken, Amount: input.amount, ExternalId: input.externalId };
      const now = Date.now();
      if (input.device === "mobile") {
        const res = await qrCall(config, { method: "POST", path: "qr/create-link", body }, qrCreateLinkDataSchema);
        if (!res.ok) return res;
        const d = res.value;
        const options = d.PaymentBehaviorOptions ?? d.QrPaymentBehaviorOptions ?? {};
        const loan = loanOf(d.PaymentMethods);
        return {
          ok: true,
          value: {
            kaspiPaymentId: String(d.PaymentId),
            paymentLink: d.PaymentLink,
            ...clockOf("link", options, d.ExpireDate, defaultPoll, now),
            ...(loan ? { loan } : {}),
          },
        };
      }
      const res = await qrCall(config, { method: "POST", path: "qr/create", body }, qrCreateDataSchema);
      if (!res.ok) return res;
      const d = res.value;
      const loan = loanOf(d.PaymentMethods);
      return {
        ok: true,
        value: {
          kaspiPaymentId: String(d.QrPaymentId),
          qr: { format: "text", value: d.QrToken },
          ...clockOf("qr", d.QrPaymentBehaviorOptions ?? {}, d.ExpireDate, defaultPoll, now),
          ...(loan ? { loan } : {}),
        },
      };
    },

    async getPayment(kaspiPaymentId: string): Promise<KaspiResult<KaspiPaymentState>> {
      const path = `payment/status/${encodeURIComponent(kaspiPaymentId)}`;
      // v02 sits beside v01 on the same host: …/rN/v02/payment/status/{id} (thedakeen/kaspi-api-wrapper).
      const call = { method: "GET" as const, path: version === "v02" ? `../v02/${path}` : path, retries: 2 };
      if (version === "v01") {
        const res = await qrCall(config, call, qrStatusDataSchema);
        if (!res.ok) return res;
        return { ok: true, value: stateOf(kaspiPaymentId, res.value.Status) };
      }
      const res = await qrCall(config, call, qrStatusV02DataSchema);
      if (!res.ok) return res;
      const d = res.value;
      return {
        ok: true,
        value: {
          ...stateOf(kaspiPaymentId, d.Status),
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
      if (config.scheme === "r1") return { ok: false, error: { kind: "rejected", message: R1_REFUND_REASON } };
      return qrRefund(config, input);
    },

    ...(config.scheme === "r2" ? { returnQr: createQrReturnQr(config) } : {}),
    ...(config.scheme === "r3" ? { remoteInvoice: createQrRemoteInvoice(config) } : {}),
  } satisfies KaspiGateway;

  return gateway as KaspiGateway & { protocol: "qr" };
}

function stateOf(kaspiPaymentId: string, raw: string): KaspiPaymentState {
  const mapped = mapQrStatus(raw);
  return {
    kaspiPaymentId,
    status: mapped.status,
    rawStatus: raw,
    ...(mapped.stage ? { stage: mapped.stage } : {}),
    ...(mapped.unknown ? { unknownStatus: true as const } : {}),
  };
}

/** Set-up calls (not part of the port): trade points, device register/delete, health (docs/kaspi.md §2). */
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
    deleteDevice(deviceToken: string) {
      return qrCall(
        config,
        { method: "POST", path: "device/delete", body: { DeviceToken: deviceToken } },
        qrNoDataSchema,
      );
    },
    ping() {
      return qrCall(config, { method: "GET", path: "health/ping" }, qrNoDataSchema);
    },
  };
}
