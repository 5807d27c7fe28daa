import { notifyTargetOf } from "./bitrix-onprem/onprem-stores";
import { signedPostTransport } from "./bitrix-onprem/signed-post-transport";
import type { SignedBy } from "./bitrix-onprem/verify-request";
import { keyMatches } from "./bitrix24/checkout-access";
import { bitrix24Client, bitrix24PortalOrigin, checkoutPortalGuard, notificationTransport } from "./bitrix24/container";
import { payPaymentTransport } from "./bitrix24/pay-payment-transport";
import { storeRestClient } from "./bitrix24/store-client";
import { DEFAULT_STORE_ID } from "./stores/store-id";
import { findStoreByCheckoutKey, findStoreById } from "./stores/store-repository";
import { portalOriginOf } from "./bitrix24/app-page";
import { checkoutUrlForPortal, frameSecretOf } from "./bitrix24/pay-frame";
import type { Bitrix24CheckoutDeps } from "./bitrix24/checkout-use-case";
import type { InstallDeps } from "./bitrix24/install-use-case";
import { db } from "./db";
import { env } from "./env";
import { createEcomGateway } from "./kaspi/ecom-gateway";
import type { KaspiGateway } from "./kaspi/gateway";
import { createCheckpayGateway } from "./kaspi/checkpay-gateway";
import { createQrGateway } from "./kaspi/qr-gateway";
import { withCoalescedStatusReads } from "./kaspi/coalesced-reads";
import { buildStoreGateway, unreachableGateway, type StoreGateway } from "./kaspi/store-gateways";
import { kaspiSettingsOf } from "./stores/kaspi-settings";
import { fail, ok, type Result } from "./errors";
import type { GatewayFor } from "./payments/store-gateway";
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

// One gateway per store other than the default, built from its settings (lib/kaspi/store-gateways.ts)
// and kept until the store's row changes (Store.updatedAt moves with every save of its settings)
// or the deployment's sandbox setting does. On globalThis for the same reason as the default one.
const stores = globalThis as unknown as {
  __storeGateways?: Map<string, { stamp: string; built: StoreGateway }>;
  __storeGatewayFakes?: Map<string, KaspiGateway>;
};

export type StoreKaspi = { gateway: KaspiGateway; mode: "live" | "sandbox" };

/**
 * The Kaspi connection of `storeId`'s payments: the environment's (KASPI_*) for the default store;
 * the store's own contract otherwise (live: its credentials; test: the built-in sandbox, only while
 * it is on). 409 KASPI_NOT_CONFIGURED when the store cannot take payments: no contract chosen, test
 * mode with the sandbox off, or no such store.
 */
export async function kaspiGatewayFor(storeId: string): Promise<Result<StoreKaspi>> {
  const e = env();
  if (storeId === DEFAULT_STORE_ID) return ok({ gateway: kaspiGateway(), mode: e.paymentMode });
  const fake = stores.__storeGatewayFakes?.get(storeId);
  if (fake) return ok({ gateway: fake, mode: "sandbox" });
  const store = await findStoreById(db(), storeId);
  if (!store) return fail("KASPI_NOT_CONFIGURED", "no such store");
  const cache = (stores.__storeGateways ??= new Map());
  const stamp = `${store.updatedAt.getTime()} ${e.sandboxEnabled} ${e.PORT} ${e.appUrl}`;
  let entry = cache.get(storeId);
  if (entry?.stamp !== stamp) {
    const built = buildStoreGateway(kaspiSettingsOf(store, e.storeSecrets), db, {
      sandboxEnabled: e.sandboxEnabled,
      port: e.PORT,
      appUrl: e.appUrl,
      timeoutMs: e.KASPI_TIMEOUT_MS,
      ecomPresentation: e.KASPI_ECOM_PRESENTATION,
      qrPollIntervalMs: e.KASPI_QR_POLL_INTERVAL_MS,
      qrStatusVersion: e.KASPI_QR_STATUS_VERSION,
    });
    // Like the default store's: concurrent status reads of one payment share one read at Kaspi.
    entry = { stamp, built: built.ok ? { ...built, gateway: withCoalescedStatusReads(built.gateway) } : built };
    cache.set(storeId, entry);
  }
  const built = entry.built;
  if (!built.ok) return fail("KASPI_NOT_CONFIGURED", `this store cannot take Kaspi payments: ${built.message}`);
  return ok({ gateway: built.gateway, mode: built.mode });
}

/** What the use cases take to reach another store's Kaspi (lib/payments/store-gateway.ts). */
export const storeGatewayFor: GatewayFor = async (storeId) => {
  const found = await kaspiGatewayFor(storeId);
  return found.ok ? ok(found.value.gateway) : found;
};

/** Tests: a fake Kaspi for one store (undefined: back to the store's own settings). */
export function setStoreKaspiGatewayForTests(storeId: string, gateway: KaspiGateway | undefined): void {
  if (storeId === DEFAULT_STORE_ID) {
    setKaspiGatewayForTests(gateway);
    return;
  }
  const fakes = (stores.__storeGatewayFakes ??= new Map());
  if (gateway) fakes.set(storeId, gateway);
  else fakes.delete(storeId);
}

export function startPaymentDeps() {
  const e = env();
  return {
    db: db(),
    gateway: kaspiGateway(),
    gatewayFor: storeGatewayFor,
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

/** Everything that asks Kaspi about one payment of the default store (the signed Bitrix refund). */
export function kaspiDeps() {
  return { db: db(), gateway: kaspiGateway() };
}

/**
 * Order intake of a signed on-premise request: the default store's as always; another on-premise
 * store's takes its storeId and its mode (test: sandbox orders).
 */
export function onpremIntakeDeps(signedBy: SignedBy | undefined) {
  if (!signedBy || signedBy.storeId === DEFAULT_STORE_ID) return intakeDeps();
  return {
    ...intakeDeps(),
    storeId: signedBy.storeId,
    mode: signedBy.store?.mode === "live" ? ("live" as const) : ("sandbox" as const),
  };
}

/** A refund started in an on-premise store's Bitrix admin: that store's orders and Kaspi only. */
export async function onpremRefundDeps(signedBy: SignedBy | undefined) {
  if (!signedBy || signedBy.storeId === DEFAULT_STORE_ID) return kaspiDeps();
  return storeKaspiDeps(signedBy.storeId);
}

/**
 * The merchant's tools on one store's payments (refund, refund retry, re-check, return QR): that
 * store's Kaspi. A store that cannot reach Kaspi now gets a stand-in that refuses every call with
 * the reason (refunds then answer 409 REFUND_UNSUPPORTED), so nothing goes to another store's Kaspi.
 */
export async function storeKaspiDeps(storeId: string) {
  const found = await kaspiGatewayFor(storeId);
  const gateway = found.ok ? found.value.gateway : unreachableGateway("ecom", found.error.message);
  return { db: db(), gateway, storeId };
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
      // The store's own mode (docs/stores.md): its orders are sandbox orders while it is in test mode.
      mode: store.mode === "live" ? "live" : "sandbox",
      storeId: store.id,
      client: storeRestClient(app, store),
      portalUrl: store.restBase,
      guard: checkoutPortalGuard(store.id),
      ...(e.fiscal ? { receiptLines: { deliveryVatRate: e.fiscal.defaultVatRate } } : {}),
    },
  };
}

/** A store id as this app makes them (`default` or generated): anything else names no store, before any query. */
const STORE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Kaspi's check/pay provider protocol: whether it is on, and how it answers. Kaspi calls one
 * provider URL per Service (docs/kaspi.md §6): GET /api/kaspi/checkpay for the environment's
 * Service (the default store), GET /api/kaspi/checkpay?store=<storeId> for a store with its own
 * check/pay contract (docs/stores.md). Off for a store that is not an active check/pay store.
 */
export async function checkpayDeps(store: string | null = null) {
  const e = env();
  const base = { db: db(), format: e.KASPI_CHECKPAY_FORMAT, merchantName: e.MERCHANT_NAME };
  if (store === null || store === DEFAULT_STORE_ID) {
    return { ...base, enabled: e.KASPI_PROTOCOL === "checkpay", storeId: DEFAULT_STORE_ID };
  }
  const row = STORE_ID.test(store) ? await findStoreById(base.db, store) : null;
  const reachable =
    row && row.status === "active" && row.kaspiProtocol === "checkpay" && (await kaspiGatewayFor(row.id)).ok;
  return { ...base, enabled: Boolean(reachable), storeId: row?.id ?? DEFAULT_STORE_ID };
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

/**
 * A checkout URL framed by `origin` (an installed portal, an on-premise store's site): the URL names
 * the origin, bound to the checkout token by a MAC (lib/bitrix24/pay-frame.ts), and proxy.ts lets
 * that origin alone frame it. Unchanged without an origin or a frame secret (BITRIX_ORIGINS apply).
 */
export function framedCheckoutUrl(checkoutUrl: string, origin: string | null): string {
  const secret = frameSecretOf(env());
  return origin && secret ? checkoutUrlForPortal(checkoutUrl, origin, secret) : checkoutUrl;
}

/** The shopper's checkout page: what it offers follows the order's store's Kaspi contract. */
export function checkoutPageDeps() {
  const e = env();
  return {
    db: db(),
    ...siteSettings(),
    kaspi: { protocol: e.KASPI_PROTOCOL, scheme: e.KASPI_QR_SCHEME, entry: e.checkpayEntry },
    kaspiOf: storeCheckoutKaspi,
    portalOf: async (storeId: string) => {
      const store = await findStoreById(db(), storeId);
      if (!store || store.status !== "active") return null;
      // An on-premise store's site: the origin given when it was added (Store.domain).
      if (store.kind === "onpremise") return store.domain;
      return store.kind === "bitrix24" ? portalOriginOf(store) : null;
    },
  };
}

/** A store's contract as the checkout page shows it (QR r1 only for stores other than the default); null: none chosen. */
async function storeCheckoutKaspi(
  storeId: string,
): Promise<{ protocol: "ecom" | "qr" | "checkpay"; scheme: "r1"; entry: "online" | "link" } | null> {
  const store = await findStoreById(db(), storeId);
  if (!store) return null;
  const settings = kaspiSettingsOf(store, env().storeSecrets);
  if (!settings.protocol) return null;
  const entry = settings.credentials?.protocol === "checkpay" ? settings.credentials.entry : "online";
  return { protocol: settings.protocol, scheme: "r1", entry };
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
 * on-premise store's as the signed POST to its own notify URL with its own secret; an installed
 * portal's through its own OAuth REST client (sale.paysystem.pay.payment,
 * lib/bitrix24/pay-payment-transport.ts). A row of an uninstalled portal is final, undelivered:
 * no REST call is made for it again. Undefined (rows wait) when nothing is configured.
 */
export function outboxTransport(): NotificationTransport | undefined {
  const base = defaultStoreTransport();
  const app = bitrix24AppDeps();
  const keyring = env().storeSecrets;
  if (!app && !keyring) return base;
  return async (row) => {
    const storeId = row.storeId ?? DEFAULT_STORE_ID;
    if (storeId === DEFAULT_STORE_ID) {
      return base ? base(row) : { kind: "retry", error: "no notification target is configured for the default store" };
    }
    const store = await findStoreById(db(), storeId);
    if (store?.kind === "onpremise") {
      const target = notifyTargetOf(store, keyring);
      // A store without a readable secret or URL waits (its key may come back); uninstalled is final.
      if (!target.ok) return { kind: store.status === "active" ? "retry" : "final", error: target.error };
      return signedPostTransport({ url: target.url, secret: target.secret })(row);
    }
    if (!app || !store || store.kind !== "bitrix24" || !store.restBase) {
      return { kind: "final", error: `store ${storeId} is not an installed Bitrix24 portal` };
    }
    if (store.status !== "active") {
      return { kind: "final", error: "the app was uninstalled from this portal: not delivered" };
    }
    return payPaymentTransport(storeRestClient(app, store))(row);
  };
}

/**
 * Kaspi callbacks exist only in the eCommerce API (the QR API and check/pay have none): unless the
 * environment's store or another active store has that contract, POST /api/kaspi/callback is
 * answered 404, so it is no door at all.
 */
export async function callbackDeps(): Promise<({ enabled: true } & CallbackDeps) | { enabled: false }> {
  const defaultStoreCallbacks = env().KASPI_PROTOCOL === "ecom";
  const deps = {
    db: db(),
    gateway: kaspiGateway(),
    gatewayFor: storeGatewayFor,
    defaultStoreCallbacks,
    findPayment: readCallbackPayment,
  };
  if (defaultStoreCallbacks) return { enabled: true, ...deps };
  // Another store may have the eCommerce contract; each callback is then verified with the Kaspi
  // of the payment's own store (lib/payments/handle-callback-use-case.ts).
  const ecomStore = await deps.db.store.findFirst({
    where: { kaspiProtocol: "ecom", status: "active", id: { not: DEFAULT_STORE_ID } },
    select: { id: true },
  });
  return ecomStore ? { enabled: true, ...deps } : { enabled: false };
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
