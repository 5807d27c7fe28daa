import type { Db } from "../db";
import type { KaspiProtocol } from "../kaspi/gateway";
import { DEFAULT_STORE_ID } from "../stores/store-id";
import { CHECKOUT_TOKEN } from "./checkout-token";

// What the shopper's checkout page (/pay/{token}) needs to render, read by token.

export type CheckoutPageDeps = {
  db: Db;
  merchantName: string;
  sandboxEnabled: boolean;
  appUrl: string;
  bitrixOrigins: string[];
  /** entry: check/pay only, how the shopper reaches the Service (the Kaspi button or the link). */
  kaspi: { protocol: KaspiProtocol; scheme: "r1" | "r2" | "r3"; entry: "online" | "link" };
  /** Another store's contract (its orders follow it); null when it has not chosen one yet. */
  kaspiOf?: (
    storeId: string,
  ) => Promise<{ protocol: KaspiProtocol; scheme: "r1" | "r2" | "r3"; entry: "online" | "link" } | null>;
  /** The site that frames another store's checkout (an installed Bitrix24 portal, an on-premise store's origin), or null. */
  portalOf?: (storeId: string) => Promise<string | null>;
};

export type CheckoutPageView = {
  merchantName: string;
  orderNumber: string;
  amount: number;
  returnUrl: string | null;
  orderLang: string | null;
  /** "sandbox" orders show the test-mode badge. */
  mode: string;
  /** The origins that may frame the page and receive its postMessage. */
  parentOrigins: string[];
  /** What the page offers besides the QR: the r3 invoice by phone, the check/pay account number. */
  kaspi: { protocol: KaspiProtocol; scheme: "r1" | "r2" | "r3"; entry: "online" | "link"; phone: string | null };
};

export async function loadCheckoutPage(deps: CheckoutPageDeps, token: string): Promise<CheckoutPageView | null> {
  if (!CHECKOUT_TOKEN.test(token)) return null;
  const order = await deps.db.order.findUnique({
    where: { checkoutToken: token },
    select: {
      externalId: true,
      accountNumber: true,
      amount: true,
      returnUrl: true,
      lang: true,
      phone: true,
      mode: true,
      storeId: true,
    },
  });
  if (!order) return null;
  const kaspi =
    (order.storeId !== DEFAULT_STORE_ID && deps.kaspiOf ? await deps.kaspiOf(order.storeId) : null) ?? deps.kaspi;
  // The default store's Bitrix frames its checkout (BITRIX_ORIGINS). Another store's is framed by
  // its installed portal (whose IFRAME_DATA page turns into this one) or its on-premise site, and by
  // no other store's.
  const portal = order.storeId !== DEFAULT_STORE_ID && deps.portalOf ? await deps.portalOf(order.storeId) : null;
  const framers = order.storeId === DEFAULT_STORE_ID ? deps.bitrixOrigins : portal ? [portal] : [];
  // Our own demo store frames the checkout too, but only when the sandbox is on.
  const parentOrigins = [...new Set([...framers, ...(deps.sandboxEnabled ? [new URL(deps.appUrl).origin] : [])])];
  return {
    merchantName: deps.merchantName,
    orderNumber: order.accountNumber ?? order.externalId,
    amount: order.amount,
    returnUrl: order.returnUrl,
    orderLang: order.lang,
    mode: order.mode,
    parentOrigins,
    kaspi: { ...kaspi, phone: order.phone },
  };
}
