import type { NotificationTransport } from "../outbox/delivery";
import { env } from "../env";
import { CheckoutPortalGuard } from "./checkout-budget";
import { payPaymentTransport } from "./pay-payment-transport";
import { createBitrix24Client, type Bitrix24Client } from "./rest-client";
import { DEFAULT_STORE_ID } from "../stores/store-id";

// Wiring of the Bitrix24 connector; tests point it at the REST stand-in through the environment.

/** The portal's REST client, or null when the app does not serve a Bitrix24 portal. */
export function bitrix24Client(): Bitrix24Client | null {
  const e = env();
  if (e.BITRIX_CONNECTOR !== "bitrix24" || !e.BITRIX24_WEBHOOK_URL) return null;
  return createBitrix24Client({ webhookUrl: e.BITRIX24_WEBHOOK_URL, timeoutMs: 10_000 });
}

/** How outbox rows reach Bitrix: REST calls for a Bitrix24 portal, else undefined (signed POST). */
export function notificationTransport(): NotificationTransport | undefined {
  const client = bitrix24Client();
  return client ? payPaymentTransport(client) : undefined;
}

/**
 * The portal's origin (from its webhook URL): the only sender whose BX_SYSTEM_PARAMS message the
 * IFRAME_DATA page accepts, and the only parent it reports its size to. Null without a portal.
 */
export function bitrix24PortalOrigin(): string | null {
  const e = env();
  if (e.BITRIX_CONNECTOR !== "bitrix24" || !e.BITRIX24_WEBHOOK_URL) return null;
  try {
    return new URL(e.BITRIX24_WEBHOOK_URL).origin;
  } catch {
    return null;
  }
}

// One guard per process, on globalThis: Next bundles instrumentation.ts, proxy.ts and the routes
// separately, each with its own copy of lib/ (see instrumentation.ts).
const holder = globalThis as unknown as { __bitrix24CheckoutGuards?: Map<string, CheckoutPortalGuard> };

/**
 * The checkout's REST budgets and reuse of confirmations (lib/bitrix24/checkout-budget.ts): one per
 * store and process, budgets read from the environment at each call
 * (BITRIX24_REST_BUDGET_PAYMENT/_STORE). Per store because Bitrix payment ids are per portal: two
 * portals both have payment #301, and one's confirmation must never answer for the other's.
 */
export function checkoutPortalGuard(storeId: string = DEFAULT_STORE_ID): CheckoutPortalGuard {
  const guards = (holder.__bitrix24CheckoutGuards ??= new Map());
  let guard = guards.get(storeId);
  if (!guard) {
    guard = new CheckoutPortalGuard(() => {
      const e = env();
      return { perPayment: e.BITRIX24_REST_BUDGET_PAYMENT, perStore: e.BITRIX24_REST_BUDGET_STORE };
    });
    guards.set(storeId, guard);
  }
  return guard;
}
