import type { Db } from "../db";
import type { StoreKaspiSettings } from "../stores/kaspi-settings";
import { createCheckpayGateway } from "./checkpay-gateway";
import { createEcomGateway } from "./ecom-gateway";
import type { KaspiGateway } from "./gateway";
import { createQrGateway } from "./qr-gateway";

// A store's own Kaspi connection (docs/stores.md), built from its settings
// (lib/stores/kaspi-settings.ts) with the same adapters as the environment's store:
// - live mode: Kaspi's endpoints with the store's credentials (eCommerce token, QR r1 Api-Key and
//   device token at the host Kaspi sent, check/pay Service);
// - test mode: the app's built-in sandbox for the store's protocol, over loopback, exactly as the
//   environment's store reaches it when no credentials are set; only while this deployment's
//   sandbox is on (docs/architecture.md, "The Kaspi sandbox").
// The default store never comes here: the environment (KASPI_*) configures it (lib/container.ts).

/** What the deployment contributes to every store's gateway (read from the environment by lib/container.ts). */
export type StoreGatewayEnvironment = {
  sandboxEnabled: boolean;
  /** The app's own port: the sandbox is reached over loopback, like Kaspi from the server. */
  port: number;
  appUrl: string;
  timeoutMs: number;
  ecomPresentation: "link" | "qr-image";
  qrPollIntervalMs: number;
  qrStatusVersion: "v01" | "v02";
};

export type StoreGatewayRefusal = {
  reason: "no_protocol" | "sandbox_off" | "no_credentials";
  message: string;
};

export type StoreGateway =
  { ok: true; gateway: KaspiGateway; mode: "live" | "sandbox" } | ({ ok: false } & StoreGatewayRefusal);

/** eCommerce's public API base (docs/kaspi.md, eCommerce), as KASPI_BASE_URL defaults. */
const ECOM_LIVE_BASE_URL = "https://api.kaspi.kz/payment/";
/** Kaspi's check/pay button (as KASPI_ONLINE_URL defaults in lib/env.ts). */
const KASPI_ONLINE_URL = "https://kaspi.kz/online";

const withSlash = (url: string) => url.replace(/\/*$/, "/");

export function buildStoreGateway(
  settings: StoreKaspiSettings,
  db: () => Db,
  e: StoreGatewayEnvironment,
): StoreGateway {
  const protocol = settings.protocol;
  if (!protocol) {
    return { ok: false, reason: "no_protocol", message: "this store has not chosen its Kaspi contract yet" };
  }
  if (settings.mode === "test") {
    if (!e.sandboxEnabled) {
      return {
        ok: false,
        reason: "sandbox_off",
        message: "this store is in test mode, and this deployment's Kaspi sandbox is off",
      };
    }
    const loopback = `http://127.0.0.1:${e.port}/sandbox/kaspi/`;
    switch (protocol) {
      case "ecom":
        // The sandbox's eCommerce API takes any Bearer token (docs/architecture.md).
        return sandbox(
          createEcomGateway({
            baseUrl: loopback,
            token: "sandbox",
            timeoutMs: e.timeoutMs,
            presentation: e.ecomPresentation,
          }),
        );
      case "qr":
        // "sandbox-device-token" is the sandbox's ready device (docs/architecture.md).
        return sandbox(
          createQrGateway({
            baseUrl: `${loopback}qr/r1/v01/`,
            scheme: "r1",
            apiKey: "sandbox",
            timeoutMs: e.timeoutMs,
            deviceToken: "sandbox-device-token",
            defaultPollIntervalMs: e.qrPollIntervalMs,
            statusVersion: e.qrStatusVersion,
          }),
        );
      case "checkpay":
        return sandbox(
          createCheckpayGateway({
            db,
            // The store's own sandbox Service: the sandbox's "Kaspi" calls this store's provider
            // URL (/api/kaspi/checkpay?store=…) for it (lib/sandbox/checkpay-service.ts).
            serviceId: `sandbox-${settings.storeId}`,
            entry: "online",
            payLink: `${e.appUrl}/sandbox/kaspi/pay/{paymentId}`,
            online: {
              postUrl: `${loopback}online`,
              formUrl: `${e.appUrl}/sandbox/kaspi/online`,
              refererHost: new URL(e.appUrl).host,
              allowHttp: true,
            },
            sandboxBaseUrl: loopback,
            timeoutMs: e.timeoutMs,
          }),
        );
    }
  }
  const c = settings.credentials;
  if (!c || c.protocol !== protocol) {
    return { ok: false, reason: "no_credentials", message: "this store is in live mode without its Kaspi credentials" };
  }
  switch (c.protocol) {
    case "ecom":
      return live(
        createEcomGateway({
          baseUrl: withSlash(c.baseUrl ?? ECOM_LIVE_BASE_URL),
          token: c.token,
          timeoutMs: e.timeoutMs,
          presentation: e.ecomPresentation,
        }),
      );
    case "qr":
      return live(
        createQrGateway({
          baseUrl: withSlash(c.baseUrl),
          scheme: "r1",
          apiKey: c.apiKey,
          timeoutMs: e.timeoutMs,
          deviceToken: c.deviceToken,
          defaultPollIntervalMs: e.qrPollIntervalMs,
          statusVersion: e.qrStatusVersion,
        }),
      );
    case "checkpay":
      return live(
        createCheckpayGateway({
          db,
          serviceId: c.serviceId,
          entry: c.entry,
          payLink: c.payLink ?? "",
          online: {
            postUrl: KASPI_ONLINE_URL,
            formUrl: KASPI_ONLINE_URL,
            refererHost: new URL(e.appUrl).host,
            allowHttp: false,
          },
          timeoutMs: e.timeoutMs,
        }),
      );
  }
}

const sandbox = (gateway: KaspiGateway): StoreGateway => ({ ok: true, gateway, mode: "sandbox" });
const live = (gateway: KaspiGateway): StoreGateway => ({ ok: true, gateway, mode: "live" });

/**
 * Stands in for a store that cannot reach Kaspi now (merchant tools on its existing payments):
 * nothing is sent anywhere; every call is refused with the reason, and refunds are unsupported.
 */
export function unreachableGateway(protocol: KaspiGateway["protocol"], message: string): KaspiGateway {
  const refused = async () => ({ ok: false as const, error: { kind: "rejected" as const, message } });
  return {
    protocol,
    refundSupport: { supported: false, reason: message },
    createPayment: refused,
    getPayment: refused,
    refund: refused,
  };
}
