import { signedPostTransport } from "./bitrix-onprem/signed-post-transport";
import { keyMatches } from "./bitrix24/checkout-access";
import { bitrix24Client, bitrix24PortalOrigin, checkoutPortalGuard, notificationTransport } from "./bitrix24/container";
import { payPaymentTransport } from "./bitrix24/pay-payment-transport";
import { storeRestClient } from "./bitrix24/store-client";
import { DEFAULT_STORE_ID } from "./stores/store-id";
import { findStoreByCheckoutKey, findStoreById } from "./stores/store-repository";
import type { Bitrix24CheckoutDeps } from "./bitrix24/checkout-use-case";
import type { InstallDeps } from "./bitrix24/install-use-case";
import { db } from "./db";
import { env } from "./env";
import { createEcomGateway } from "./kaspi/ecom-gateway";
import type { KaspiGateway } from "./kaspi/gateway";
import { createCheckpayGateway } from "./kaspi/checkpay-gateway";
import { createQrGateway } from "./kaspi/qr-gateway";
import { withCoalescedStatusReads } from "./kaspi/coalesced-reads";
import { createQrTlsAgent } from "./kaspi/qr-transport";
import { readCallbackPayment } from "./live/status-reader";
import type { CallbackDeps } from "./payments/handle-callback-use-case";
import type { NotificationTransport } from "./outbox/transport";
import type { FiscalWorkerDeps } from "./fiscal/issue-receipts-use-case";
import type { FiscalProvider } from "./fiscal/port";
import { createWebkassaProvider } from "./fiscal/webkassa/webkassa-provider";

// The one place where concrete dependencies are wired: routes and pages call these builders and
// never read env() or construct an adapter themselves. Tests swap the Kaspi gateway for a fake.

// One gateway per process, on globalThis, so that status reads coalesce across the fast path's
// callbacks and the routes' (and a test's fake reaches both): Next bundles instrumentation.ts,
// proxy.ts and the routes separately, each with its own copy of lib/ (see instrumentation.ts).
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
        statusVersion: e.KASPI_QR_STATUS_VERSION,
      });
    case "checkpay":
      return createCheckpayGateway({
        db,
        serviceId: e.checkpayServiceId,
        entry: e.checkpayEntry,
        payLink: e.checkpayPayLink,
        online: {
          // The sandbox's stand-in is reached over loopback by the server, at APP_URL by the browser.
          postUrl:
            e.sandboxEnabled && !e.KASPI_CHECKPAY_SERVICE_ID && !e.KASPI_ONLINE_URL
              ? `http://127.0.0.1:${e.PORT}/sandbox/kaspi/online`
              : e.kaspiOnlineUrl,
          formUrl: e.kaspiOnlineUrl,
          refererHost: new URL(e.appUrl).host,
          allowHttp: e.sandboxEnabled,
        },
        ...(e.sandboxEnabled && !e.KASPI_CHECKPAY_SERVICE_ID
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

/** Order intake (POST /api/orders and the Bitrix24 checkout). */
export function intakeDeps() {
  const e = env();
  return {
    db: db(),
    appUrl: e.appUrl,
    limits: { min: e.ORDER_MIN_AMOUNT, max: e.ORDER_MAX_AMOUNT },
    mode: e.paymentMode,
  };
}

/** Everything that asks Kaspi about one payment: callback, recheck, refund, refund retry. */
export function kaspiDeps() {
  return { db: db(), gateway: kaspiGateway() };
}

/** The Bitrix24 checkout, or null when the app does not serve a Bitrix24 portal. */
export function bitrix24CheckoutDeps(): (Bitrix24CheckoutDeps & { sharedSecret: string }) | null {
  const client = bitrix24Client();
  if (!client) return null;
  const e = env();
  return {
    ...intakeDeps(),
    client,
    portalUrl: e.BITRIX24_WEBHOOK_URL ?? "",
    sharedSecret: e.BITRIX_SHARED_SECRET,
    ...(e.fiscal ? { receiptLines: { deliveryVatRate: e.fiscal.defaultVatRate } } : {}),
  };
}

/**
 * The Bitrix24 checkout of the store whose ACTION_URI carries `key`: the default store's (key
 * derived from BITRIX_SHARED_SECRET, webhook client) or an installed portal's (its random key, its
 * OAuth client, its storeId). `uninstalled` for a portal that removed the app (the checkout then
 * answers PAYMENT_ERRORS, making no REST call); null for a key that names no store.
 */
export async function bitrix24CheckoutFor(
  key: string,
): Promise<{ deps: Bitrix24CheckoutDeps } | { uninstalled: true } | null> {
  const envStore = bitrix24CheckoutDeps();
  if (envStore && keyMatches(key, envStore.sharedSecret)) return { deps: envStore };
  const app = bitrix24AppDeps();
  if (!app) return null;
  const store = await findStoreByCheckoutKey(app.db, key);
  if (!store || store.kind !== "bitrix24" || !store.restBase) return null;
  if (store.status !== "active") return { uninstalled: true };
  const e = env();
  return {
    deps: {
      ...intakeDeps(),
      storeId: store.id,
      client: storeRestClient(app, store),
      portalUrl: store.restBase,
      guard: checkoutPortalGuard(store.id),
      ...(e.fiscal ? { receiptLines: { deliveryVatRate: e.fiscal.defaultVatRate } } : {}),
    },
  };
}

/** Kaspi's check/pay provider protocol: whether it is on, and how it answers. */
export function checkpayDeps() {
  const e = env();
  return {
    db: db(),
    enabled: e.KASPI_PROTOCOL === "checkpay",
    format: e.KASPI_CHECKPAY_FORMAT,
    merchantName: e.MERCHANT_NAME,
  };
}

const fiscalHolder = globalThis as unknown as { __fiscalProvider?: { key: string; provider: FiscalProvider } };

/**
 * The fiscal receipt worker's dependencies, or null with FISCAL_PROVIDER=none (then nothing is
 * built and nothing is called). One provider per process: it keeps its session token.
 */
export function fiscalWorkerDeps(workerId: string): FiscalWorkerDeps | null {
  const fiscal = env().fiscal;
  if (!fiscal) return null;
  // Only compared in memory, never logged: a changed setting makes a new provider (and session).
  const key = JSON.stringify([
    fiscal.baseUrl,
    fiscal.cashboxId,
    fiscal.login,
    fiscal.password,
    fiscal.apiKey,
    fiscal.timeoutMs,
  ]);
  if (fiscalHolder.__fiscalProvider?.key !== key) {
    fiscalHolder.__fiscalProvider = {
      key,
      provider: createWebkassaProvider({
        baseUrl: fiscal.baseUrl,
        apiKey: fiscal.apiKey,
        timeoutMs: fiscal.timeoutMs,
        login: fiscal.login,
        password: fiscal.password,
        cashboxId: fiscal.cashboxId,
      }),
    };
  }
  return {
    db: db(),
    provider: fiscalHolder.__fiscalProvider.provider,
    workerId,
    // A request takes at most the timeout; the lease outlasts it with room for the writes around it.
    leaseMs: fiscal.timeoutMs + 10_000,
    shiftCloseAt: fiscal.shiftCloseAt,
  };
}

/** The merchant area's sign-in: the app's own origin (CSRF) and whether cookies are Secure. */
export function merchantAuthDeps() {
  return { db: db(), appUrl: env().appUrl };
}

/** What pages show about this deployment (read per request: the sandbox is a deployment setting). */
export function siteSettings() {
  const e = env();
  return {
    merchantName: e.MERCHANT_NAME,
    sandboxEnabled: e.sandboxEnabled,
    appUrl: e.appUrl,
    bitrixOrigins: e.bitrixOrigins,
    /** Fiscal receipts are issued (FISCAL_PROVIDER): the Paid screen waits a while for the link. */
    receipts: e.fiscal !== null,
  };
}

/** The Kaspi contract this deployment speaks (the demo store says which one it plays). */
export function kaspiContract(): "ecom" | "qr" | "checkpay" {
  return env().KASPI_PROTOCOL;
}

/** The shopper's checkout page. */
export function checkoutPageDeps() {
  const e = env();
  return {
    db: db(),
    ...siteSettings(),
    kaspi: { protocol: e.KASPI_PROTOCOL, scheme: e.KASPI_QR_SCHEME, entry: e.checkpayEntry },
  };
}

/**
 * How the default store's outbox rows reach Bitrix: REST calls on a Bitrix24 portal, else the
 * on-premise signed POST to BITRIX_NOTIFY_URL; undefined when neither is configured.
 */
function defaultStoreTransport(): NotificationTransport | undefined {
  const e = env();
  const bitrix24 = notificationTransport();
  if (bitrix24) return bitrix24;
  return e.BITRIX_NOTIFY_URL
    ? signedPostTransport({ url: e.BITRIX_NOTIFY_URL, secret: e.BITRIX_SHARED_SECRET })
    : undefined;
}

/**
 * How outbox rows reach Bitrix, per row's store: the default store's as the environment says; an
 * installed portal's through its own OAuth REST client (sale.paysystem.pay.payment,
 * lib/bitrix24/pay-payment-transport.ts). A row of an uninstalled portal is final, undelivered:
 * no REST call is made for it again. Undefined (rows wait) when nothing is configured.
 */
export function outboxTransport(): NotificationTransport | undefined {
  const base = defaultStoreTransport();
  const app = bitrix24AppDeps();
  if (!app) return base;
  return async (row) => {
    const storeId = row.storeId ?? DEFAULT_STORE_ID;
    if (storeId === DEFAULT_STORE_ID) {
      return base ? base(row) : { kind: "retry", error: "no notification target is configured for the default store" };
    }
    const store = await findStoreById(app.db, storeId);
    if (!store || store.kind !== "bitrix24" || !store.restBase) {
      return { kind: "final", error: `store ${storeId} is not an installed Bitrix24 portal` };
    }
    if (store.status !== "active") {
      return { kind: "final", error: "the app was uninstalled from this portal: not delivered" };
    }
    return payPaymentTransport(storeRestClient(app, store))(row);
  };
}

/**
 * Kaspi callbacks exist only in the eCommerce API (the QR API and check/pay have none): under any
 * other protocol POST /api/kaspi/callback is answered 404, so it is no door at all.
 */
export function callbackDeps(): ({ enabled: true } & CallbackDeps) | { enabled: false } {
  if (env().KASPI_PROTOCOL !== "ecom") return { enabled: false };
  return { enabled: true, db: db(), gateway: kaspiGateway(), findPayment: readCallbackPayment };
}

/**
 * The Bitrix24 IFRAME_DATA page: the portal's origin (the only sender of BX_SYSTEM_PARAMS it
 * accepts), or null when this app serves no portal or the URL lacks the installation's key.
 */
export function bitrix24IframePage(key: string): { portalOrigin: string } | null {
  const portalOrigin = bitrix24PortalOrigin();
  if (!portalOrigin || !keyMatches(key, env().BITRIX_SHARED_SECRET)) return null;
  return { portalOrigin };
}

/**
 * The Bitrix24 OAuth app (BITRIX24_CLIENT_ID/SECRET, STORE_SECRETS_KEY): what the install call,
 * the events and the stores' REST clients need; null when the app is not configured (then
 * POST /bitrix24/install and /bitrix24/events answer 404).
 */
export function bitrix24AppDeps(): InstallDeps | null {
  const e = env();
  if (!e.bitrix24App || !e.storeSecrets) return null;
  return {
    db: db(),
    keyring: e.storeSecrets,
    app: e.bitrix24App,
    appUrl: e.appUrl,
    allowLoopbackHttp: e.sandboxEnabled,
  };
}
