import type { KaspiResult, KaspiReturnQrPort, RefundInput, RefundResult } from "./gateway";
import { parseKaspiDate } from "./qr-dates";
import {
  qrPaymentDetailsSchema,
  qrReturnCreateSchema,
  qrReturnDataSchema,
  qrReturnOperationsSchema,
  qrReturnStatusSchema,
} from "./qr-schemas";
import { qrCall, type QrTransportConfig } from "./qr-transport";

// Refunds through the Kaspi QR API, per scheme (docs/kaspi.md §1–§2, v3.9 §3.2–3.4, §4.5):
// r3: payment/details first, never more than AvailableReturnAmount, then payment/return.
// r2: the customer scans a return QR (return/create → return/status = CustomerIdentityObtained),
//     then return/operations (the purchase must be the customer's), payment/details, and
//     payment/return with QrReturnId.

type Config = QrTransportConfig & { deviceToken: string };

/** QrPaymentId is a number at Kaspi; ours is a string. Long digit strings go back as numbers. */
export function paymentIdForKaspi(id: string): number | string {
  return /^\d{1,15}$/.test(id) ? Number(id) : id;
}

const refused = (message: string, code?: string): KaspiResult<never> => ({
  ok: false,
  error: { kind: "rejected", message, ...(code ? { code } : {}) },
});

export async function qrRefund(config: Config, input: RefundInput): Promise<KaspiResult<RefundResult>> {
  const QrPaymentId = paymentIdForKaspi(input.kaspiPaymentId);
  if (config.scheme === "r2") {
    if (!input.qrReturnId) return refused("Kaspi QR r2 refunds need the customer to scan a return QR first");
    const ops = await qrCall(
      config,
      {
        method: "POST",
        path: "return/operations",
        body: { DeviceToken: config.deviceToken, QrReturnId: paymentIdForKaspi(input.qrReturnId), MaxResult: 10 },
      },
      qrReturnOperationsSchema,
    );
    if (!ops.ok) return ops;
    if (!ops.value.some((o) => String(o.QrPaymentId) === input.kaspiPaymentId)) {
      return refused("the customer who scanned the return QR has no such purchase at this trade point", "-99000001");
    }
  }
  const q = new URLSearchParams({ QrPaymentId: input.kaspiPaymentId, DeviceToken: config.deviceToken });
  const details = await qrCall(
    config,
    { method: "GET", path: `payment/details?${q}`, retries: 2 },
    qrPaymentDetailsSchema,
  );
  if (!details.ok) return details;
  if (input.amount > details.value.AvailableReturnAmount) {
    // Checked before asking: Kaspi would answer -99000005 (docs/kaspi.md §5).
    return refused(
      `Kaspi allows at most ${details.value.AvailableReturnAmount} ₸ to be returned for this purchase`,
      "-99000005",
    );
  }
  const res = await qrCall(
    config,
    {
      method: "POST",
      path: "payment/return",
      body: {
        DeviceToken: config.deviceToken,
        QrPaymentId,
        ...(config.scheme === "r2" && input.qrReturnId ? { QrReturnId: paymentIdForKaspi(input.qrReturnId) } : {}),
        Amount: input.amount,
      },
    },
    qrReturnDataSchema,
  );
  if (!res.ok) return res;
  const id = res.value?.ReturnOperationId;
  return { ok: true, value: id == null ? {} : { kaspiRefundId: String(id) } };
}

export function createQrReturnQr(config: Config): KaspiReturnQrPort {
  return {
    async createReturnQr({ externalId }) {
      const res = await qrCall(
        config,
        { method: "POST", path: "return/create", body: { DeviceToken: config.deviceToken, ExternalId: externalId } },
        qrReturnCreateSchema,
      );
      if (!res.ok) return res;
      const d = res.value;
      const expiresAt = parseKaspiDate(d.ExpireDate);
      const interval = d.QrReturnBehaviorOptions?.QrCodeScanEventPollingInterval ?? 5;
      return {
        ok: true,
        value: {
          qrReturnId: String(d.QrReturnId),
          qrToken: d.QrToken,
          ...(expiresAt ? { expiresAt } : {}),
          pollIntervalMs: interval * 1000,
        },
      };
    },
    async getReturnQr(qrReturnId) {
      const res = await qrCall(
        config,
        { method: "GET", path: `return/status/${encodeURIComponent(qrReturnId)}`, retries: 2 },
        qrReturnStatusSchema,
      );
      if (!res.ok) return res;
      const raw = res.value.Status;
      // docs/kaspi.md §4: CustomerIdentityObtained and Error are final; anything else is still waiting.
      return {
        ok: true,
        value: {
          rawStatus: raw,
          ready: raw === "CustomerIdentityObtained",
          final: raw === "CustomerIdentityObtained" || raw === "Error",
        },
      };
    },
  };
}
