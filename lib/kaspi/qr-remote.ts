import type { KaspiRemoteInvoicePort } from "./gateway";
import { paymentIdForKaspi } from "./qr-returns";
import { qrClientInfoSchema, qrRemoteCancelSchema, qrRemoteCreateSchema } from "./qr-schemas";
import { qrCall, type QrTransportConfig } from "./qr-transport";

// Kaspi QR r3 remote invoices: an invoice sent to the shopper's Kaspi app by phone number
// (docs/kaspi.md §2, v3.9 §4.6). OrganizationBin is added to bodies by the transport (r3). The
// invoice is payable for 24 h and its status may be read only on a user action — never on a timer
// (lib/payments/remote-invoice-use-case.ts keeps that rule).

type Config = QrTransportConfig & { deviceToken: string };

/** Kaspi's phone form: 11 digits starting with 8 (`87077777777`, docs/kaspi.md §3). */
export function kaspiPhone(e164: string): string {
  const digits = e164.replace(/\D/g, "");
  return digits.length === 11 && digits.startsWith("7") ? `8${digits.slice(1)}` : digits;
}

export function createQrRemoteInvoice(config: Config): KaspiRemoteInvoicePort {
  return {
    async clientInfo(phone) {
      const q = new URLSearchParams({ PhoneNumber: kaspiPhone(phone), DeviceToken: config.deviceToken });
      const res = await qrCall(config, { method: "GET", path: `remote/client-info?${q}` }, qrClientInfoSchema);
      return res.ok ? { ok: true, value: { clientName: res.value.ClientName } } : res;
    },
    // Never retried: a lost answer may hide an invoice Kaspi did send (the attempt is failed instead).
    async createInvoice({ phone, amount, comment }) {
      const res = await qrCall(
        config,
        {
          method: "POST",
          path: "remote/create",
          body: {
            Amount: amount,
            PhoneNumber: kaspiPhone(phone),
            DeviceToken: config.deviceToken,
            ...(comment ? { Comment: comment.slice(0, 100) } : {}),
          },
        },
        qrRemoteCreateSchema,
      );
      return res.ok ? { ok: true, value: { kaspiPaymentId: String(res.value.QrPaymentId) } } : res;
    },
    async cancelInvoice(kaspiPaymentId) {
      const res = await qrCall(
        config,
        {
          method: "POST",
          path: "remote/cancel",
          body: { QrPaymentId: paymentIdForKaspi(kaspiPaymentId), DeviceToken: config.deviceToken },
        },
        qrRemoteCancelSchema,
      );
      return res.ok ? { ok: true, value: { rawStatus: res.value.Status } } : res;
    },
  };
}
