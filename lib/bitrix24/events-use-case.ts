import { randomBytes } from "node:crypto";
import type { Db } from "../db";
import { log } from "../log";
import type { SecretKeyring } from "../stores/secrets";
import { findStoreByMemberId, markUninstalled, openField } from "../stores/store-repository";
import { parseEvent, uninstallOf, verifyApplicationToken } from "./oauth";

// POST /bitrix24/events: the portal's event calls, form-encoded with nested fields in brackets
// (bitrix24/b24restdocs api-reference/events/index.md). Nothing is believed before
// auth[application_token] equals, in constant time, the one the store of auth[member_id] got at
// install (api-reference/events/safe-event-handlers.md: for ONAPPUNINSTALL, which carries no
// tokens, "the only way"; settings/oauth/simple-way.md: APPLICATION_TOKEN is that value).
// A wrong token — another store's included — an unknown or uninstalled portal and a malformed
// body are one refusal, and change nothing.
// ONAPPUNINSTALL (api-reference/common/events/on-app-uninstall.md): the app's access is already
// revoked; the store is marked uninstalled and its tokens dropped, its payments stay.

export type EventsDeps = { db: Db; keyring: SecretKeyring };

export type EventOutcome =
  { ok: true; handled: "uninstalled" | "ignored"; storeId: string } | { ok: false; reason: string };

export async function handleBitrix24Event(deps: EventsDeps, body: string): Promise<EventOutcome> {
  const parsed = parseEvent(body);
  if (!parsed.ok) return { ok: false, reason: `malformed event: ${parsed.problems.join("; ")}` };
  const event = parsed.event;
  const store = await findStoreByMemberId(deps.db, event.auth.memberId);
  let expected: string | null = null;
  if (store?.status === "active") {
    try {
      expected = openField(store, "applicationToken", deps.keyring);
    } catch {
      expected = null;
    }
  }
  // Compared even without a store, against a random value: the time does not tell which portals exist.
  const matches = verifyApplicationToken(expected ?? randomBytes(16).toString("hex"), event.auth.applicationToken);
  if (!store || !expected || !matches) {
    return { ok: false, reason: `${event.event}: application_token not confirmed for member ${event.auth.memberId}` };
  }
  const uninstall = uninstallOf(event);
  if (!uninstall) return { ok: true, handled: "ignored", storeId: store.id };
  await markUninstalled(deps.db, store.id);
  log().info({ storeId: store.id, clean: uninstall.clean }, "Bitrix24 app uninstalled: the store's tokens are dropped");
  return { ok: true, handled: "uninstalled", storeId: store.id };
}
