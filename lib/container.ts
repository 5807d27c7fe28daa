import { db } from "./db";
import { env } from "./env";
import { createEcomGateway } from "./kaspi/ecom-gateway";
import type { KaspiGateway } from "./kaspi/gateway";
import { createCheckpayGateway } from "./kaspi/checkpay-gateway";
import { createQrGateway } from "./kaspi/qr-gateway";
import { withCoalescedStatusReads } from "./kaspi/coalesced-reads";
import { createQrTlsAgent } from "./kaspi/qr-transport";

// The one place where concrete dependencies are wired. Tests swap the Kaspi gateway for a fake.

const holder = globalThis as unknown as { __kaspiGateway?: KaspiGateway };

export function kaspiGateway(): KaspiGateway {
  if (!holder.__kaspiGateway) {
    // Concurrent status reads of one payment (callback floods) share one read at Kaspi.
    holder.__kaspiGateway = withCoalescedStatusReads(buildKaspiGateway());
  }
  return holder.__kaspiGateway;
}

/** How to reach the Kaspi QR API (scheme, Api-Key or client certificate), from configuration. */
export function qrConnection() {
  const e = env();
  const mtls = e.KASPI_QR_SCHEME !== "r1" && (e.KASPI_QR_PFX_FILE || e.KASPI_QR_CERT_FILE);
  return {
    baseUrl: e.kaspiQrBaseUrl,
    scheme: e.KASPI_QR_SCHEME,
    apiKey: e.KASPI_QR_API_KEY ?? "sandbox",
    ...(e.KASPI_QR_ORGANIZATION_BIN ? { organizationBin: e.KASPI_QR_ORGANIZATION_BIN } : {}),
    ...(mtls
      ? {
          dispatcher: createQrTlsAgent({
            ...(e.KASPI_QR_CERT_FILE ? { certFile: e.KASPI_QR_CERT_FILE } : {}),
            ...(e.KASPI_QR_KEY_FILE ? { keyFile: e.KASPI_QR_KEY_FILE } : {}),
            ...(e.KASPI_QR_PFX_FILE ? { pfxFile: e.KASPI_QR_PFX_FILE } : {}),
            ...(e.KASPI_QR_CERT_PASSPHRASE ? { passphrase: e.KASPI_QR_CERT_PASSPHRASE } : {}),
            ...(e.KASPI_QR_CA_FILE ? { caFile: e.KASPI_QR_CA_FILE } : {}),
          }),
        }
      : {}),
    timeoutMs: e.KASPI_TIMEOUT_MS,
  };
}

function buildKaspiGateway(): KaspiGateway {
  const e = env();
  switch (e.KASPI_PROTOCOL) {
    case "ecom":
      return createEcomGateway({
        baseUrl: e.kaspiBaseUrl,
        token: e.kaspiToken,
        timeoutMs: e.KASPI_TIMEOUT_MS,
        presentation: e.KASPI_ECOM_PRESENTATION,
      });
    case "qr":
      return createQrGateway({
        ...qrConnection(),
        deviceToken: e.kaspiQrDeviceToken,
        defaultPollIntervalMs: e.KASPI_QR_POLL_INTERVAL_MS,
      });
    case "checkpay":
      return createCheckpayGateway({
        db,
        serviceId: e.checkpayServiceId,
        payLink: e.checkpayPayLink,
        ...(e.sandboxEnabled && !e.KASPI_GATEWAY_SERVICE_ID
          ? { sandboxBaseUrl: `http://127.0.0.1:${e.PORT}/sandbox/kaspi/` }
          : {}),
        timeoutMs: e.KASPI_TIMEOUT_MS,
      });
  }
}

export function setKaspiGatewayForTests(gateway: KaspiGateway | undefined): void {
  holder.__kaspiGateway = gateway;
}

export function startPaymentDeps() {
  const e = env();
  return {
    db: db(),
    gateway: kaspiGateway(),
    appUrl: e.appUrl,
    paymentTtlSeconds: e.PAYMENT_TTL_SECONDS,
    kaspiTimeoutMs: e.KASPI_TIMEOUT_MS,
    merchantName: e.MERCHANT_NAME,
  };
}
