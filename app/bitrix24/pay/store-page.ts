// Which portal the IFRAME_DATA page serves, from its ACTION_URI: the default store's (key derived
// from BITRIX_SHARED_SECRET; its portal is BITRIX24_WEBHOOK_URL's origin, as before) or an
// installed portal's (its random key; its portal is its store's REST base origin, which the
// ACTION_URI's `portal` must name: lib/bitrix24/pay-frame.ts). That origin is the only sender of
// BX_SYSTEM_PARAMS the page accepts and the only parent it reports its height to.
import { portalOriginOf } from "@/lib/bitrix24/app-page";
import { bitrix24AppDeps, bitrix24IframePage } from "@/lib/container";
import { findStoreByCheckoutKey } from "@/lib/stores/store-repository";

/** null: no such page (404). portalOrigin null: the store removed the app (the page says so). */
export async function iframePageFor(
  key: string,
  portalParam: string | null,
): Promise<{ portalOrigin: string | null } | null> {
  const envPage = bitrix24IframePage(key);
  if (envPage) return portalParam === null || portalParam === envPage.portalOrigin ? envPage : null;
  const app = bitrix24AppDeps();
  if (!app) return null;
  const store = await findStoreByCheckoutKey(app.db, key);
  const origin = store && store.kind === "bitrix24" ? portalOriginOf(store) : null;
  if (!store || !origin || portalParam !== origin) return null;
  return { portalOrigin: store.status === "active" ? origin : null };
}
