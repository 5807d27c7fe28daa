import { z } from "zod";
import { CHECKOUT_KEY_PARAM } from "./checkout-access";
import { describeRestError, type Bitrix24Client } from "./rest-client";

// Registers the Kaspi pay system on a Bitrix24 portal, idempotently: the REST handler (CODE
// kaspi_checkout, CHECKOUT_DATA pointing at our endpoint) is added or brought up to date, and one
// pay system per person type is added where none exists. Running it again changes nothing.

export const HANDLER_CODE = "kaspi_checkout";
export const HANDLER_NAME = "Kaspi Pay (Kaspi checkout)";

/** iframe: our page inside Bitrix24's own payment step (IFRAME_DATA); checkout: a link to it (CHECKOUT_DATA). */
export type Bitrix24Mode = "iframe" | "checkout";
export const BITRIX24_MODES: readonly Bitrix24Mode[] = ["iframe", "checkout"];

/** The installation's key on a URL (lib/bitrix24/checkout-access.ts): without it the app answers 404. */
function withKey(url: string, key?: string): string {
  return key ? `${url}?${CHECKOUT_KEY_PARAM}=${encodeURIComponent(key)}` : url;
}

/** The CHECKOUT_DATA ACTION_URI: our endpoint with the installation's key. */
export function checkoutEndpoint(appUrl: string, key?: string): string {
  return withKey(`${appUrl.replace(/\/+$/, "")}/api/bitrix24/checkout`, key);
}

/**
 * The IFRAME_DATA ACTION_URI: the page Bitrix24 frames and posts BX_SYSTEM_PARAMS to. An installed
 * portal's carries its origin too (lib/bitrix24/pay-frame.ts): the one frame the page allows.
 */
export function iframePage(appUrl: string, key?: string, portalOrigin?: string): string {
  const page = withKey(`${appUrl.replace(/\/+$/, "")}/bitrix24/pay`, key);
  return portalOrigin ? `${page}${page.includes("?") ? "&" : "?"}portal=${encodeURIComponent(portalOrigin)}` : page;
}

export function actionUri(appUrl: string, mode: Bitrix24Mode, key?: string, portalOrigin?: string): string {
  return mode === "iframe" ? iframePage(appUrl, key, portalOrigin) : checkoutEndpoint(appUrl, key);
}

// Only the values of the mode's FIELDS reach ACTION_URI (RestHandler::getCheckoutPayParams and
// getIframePayParams, sale/lib/paysystem/resthandler.php): the phone is declared there, mapped to
// its CODES entry, hidden (a VISIBLE field would make Bitrix ask the shopper for it first).
const FIELDS = { KASPI_CHECKOUT_BUYER_PHONE: { CODE: "KASPI_CHECKOUT_BUYER_PHONE" } };

export function handlerSettings(appUrl: string, mode: Bitrix24Mode = "iframe", key?: string, portalOrigin?: string) {
  return {
    CURRENCY: ["KZT"],
    CLIENT_TYPE: "b2c",
    ...(mode === "iframe"
      ? { IFRAME_DATA: { ACTION_URI: iframePage(appUrl, key, portalOrigin), FIELDS } }
      : { CHECKOUT_DATA: { ACTION_URI: checkoutEndpoint(appUrl, key), METHOD: "POST", FIELDS } }),
    CODES: {
      KASPI_CHECKOUT_BUYER_PHONE: {
        NAME: "Buyer phone (for Kaspi)",
        DESCRIPTION: "Prefills the shopper's phone in Kaspi; optional",
        SORT: 100,
        DEFAULT: { PROVIDER_KEY: "PROPERTY", PROVIDER_VALUE: "PHONE" },
      },
    },
  };
}

const idLike = z.union([z.string(), z.number()]).transform(String);
const handlerListSchema = z.array(z.object({ ID: idLike, CODE: z.string(), SETTINGS: z.unknown().optional() }).loose());
const paySystemListSchema = z.array(
  z.object({ ID: idLike, PERSON_TYPE_ID: idLike.optional(), ACTION_FILE: z.string().optional() }).loose(),
);
const personTypesSchema = z.object({
  personTypes: z.array(
    z.object({ id: idLike, active: z.string().optional(), entityRegistryType: z.string().nullish() }).loose(),
  ),
});

export type RegisterResult =
  | { ok: true; actions: string[]; handlerId: string; paySystemIds: string[] }
  | { ok: false; actions: string[]; error: string };

export async function registerPaySystem(input: {
  client: Bitrix24Client;
  appUrl: string;
  mode?: Bitrix24Mode;
  /** The installation's ACTION_URI key (checkoutKey(BITRIX_SHARED_SECRET)). */
  checkoutKey?: string;
  /** An installed portal's origin, named in the IFRAME_DATA ACTION_URI (lib/bitrix24/pay-frame.ts). */
  portalOrigin?: string;
  personTypeIds?: string[];
}): Promise<RegisterResult> {
  const { client } = input;
  const actions: string[] = [];
  const failWith = (method: string, e: Parameters<typeof describeRestError>[1]): RegisterResult => ({
    ok: false,
    actions,
    error: describeRestError(method, e),
  });
  const mode = input.mode ?? "iframe";
  const settings = handlerSettings(input.appUrl, mode, input.checkoutKey, input.portalOrigin);
  // The key stays out of the printed actions (they end up in logs and tickets). It is not a secret
  // — in IFRAME_DATA mode every shopper's page carries it (lib/bitrix24/checkout-access.ts) — but
  // there is no reason to spread it further.
  const target = `${mode === "iframe" ? "IFRAME_DATA" : "CHECKOUT_DATA"} → ${actionUri(input.appUrl, mode)}`;

  // 1. The REST handler.
  const handlers = await client.call("sale.paysystem.handler.list");
  if (!handlers.ok) return failWith("sale.paysystem.handler.list", handlers);
  const parsedHandlers = handlerListSchema.safeParse(handlers.result);
  if (!parsedHandlers.success) return { ok: false, actions, error: "sale.paysystem.handler.list: unexpected answer" };
  const existing = parsedHandlers.data.find((h) => h.CODE === HANDLER_CODE);
  let handlerId: string;
  if (!existing) {
    const added = await client.call("sale.paysystem.handler.add", {
      NAME: HANDLER_NAME,
      SORT: 100,
      CODE: HANDLER_CODE,
      SETTINGS: settings,
    });
    if (!added.ok) return failWith("sale.paysystem.handler.add", added);
    handlerId = String(added.result);
    actions.push(`added REST handler ${HANDLER_CODE} (id ${handlerId}), ${target}`);
  } else {
    handlerId = existing.ID;
    const current = typeof existing.SETTINGS === "string" ? safeJson(existing.SETTINGS) : existing.SETTINGS;
    if (JSON.stringify(current) === JSON.stringify(settings)) {
      actions.push(`REST handler ${HANDLER_CODE} (id ${handlerId}) is up to date`);
    } else {
      const updated = await client.call("sale.paysystem.handler.update", {
        ID: handlerId,
        FIELDS: { NAME: HANDLER_NAME, SORT: 100, SETTINGS: settings },
      });
      if (!updated.ok) return failWith("sale.paysystem.handler.update", updated);
      actions.push(`updated REST handler ${HANDLER_CODE} (id ${handlerId}), ${target}`);
    }
  }

  // 2. One pay system per person type (Bitrix24's CRM has a contact and a company person type).
  const personTypeIds = [...(input.personTypeIds ?? [])];
  if (personTypeIds.length === 0) {
    const types = await client.call("sale.persontype.list", { filter: { active: "Y" } });
    if (!types.ok) return failWith("sale.persontype.list", types);
    const parsedTypes = personTypesSchema.safeParse(types.result);
    if (!parsedTypes.success) return { ok: false, actions, error: "sale.persontype.list: unexpected answer" };
    // Pay systems of this kind serve orders: a person type of another registry (e.g. the CRM's
    // invoices) cannot take one, so it is skipped and reported instead of failing the run.
    for (const t of parsedTypes.data.personTypes) {
      if (t.entityRegistryType && t.entityRegistryType !== "ORDER") {
        actions.push(`skipped person type ${t.id}: its registry type is ${t.entityRegistryType}, not ORDER`);
      } else {
        personTypeIds.push(t.id);
      }
    }
  }
  const systems = await client.call("sale.paysystem.list", {
    SELECT: ["ID", "NAME", "PERSON_TYPE_ID", "ACTION_FILE"],
    FILTER: { ACTION_FILE: HANDLER_CODE },
  });
  if (!systems.ok) return failWith("sale.paysystem.list", systems);
  const parsedSystems = paySystemListSchema.safeParse(systems.result);
  if (!parsedSystems.success) return { ok: false, actions, error: "sale.paysystem.list: unexpected answer" };
  const ours = parsedSystems.data.filter((s) => s.ACTION_FILE === undefined || s.ACTION_FILE === HANDLER_CODE);

  const paySystemIds: string[] = [];
  for (const personTypeId of personTypeIds) {
    const found = ours.find((s) => s.PERSON_TYPE_ID === personTypeId);
    if (found) {
      paySystemIds.push(found.ID);
      actions.push(`pay system ${found.ID} for person type ${personTypeId} already exists`);
      continue;
    }
    const added = await client.call("sale.paysystem.add", {
      NAME: "Kaspi Pay",
      DESCRIPTION: "Kaspi QR or the Kaspi app; the order is marked paid automatically",
      PERSON_TYPE_ID: Number(personTypeId),
      BX_REST_HANDLER: HANDLER_CODE,
      ACTIVE: "Y",
      ENTITY_REGISTRY_TYPE: "ORDER",
      NEW_WINDOW: "N",
      XML_ID: `${HANDLER_CODE}_${personTypeId}`,
    });
    if (!added.ok) return failWith("sale.paysystem.add", added);
    paySystemIds.push(String(added.result));
    actions.push(`added pay system ${String(added.result)} "Kaspi Pay" for person type ${personTypeId}`);
  }
  return { ok: true, actions, handlerId, paySystemIds };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
