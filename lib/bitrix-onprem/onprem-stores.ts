import { randomBytes } from "node:crypto";
import type { Db } from "../db";
import { newId } from "../ids";
import type { SecretKeyring } from "../stores/secrets";
import { DEFAULT_STORE_ID } from "../stores/store-id";
import { findStoreById, openField, sealField, type Store } from "../stores/store-repository";

// On-premise 1C-Bitrix sites as stores (docs/stores.md, docs/bitrix.md "Several shops on one
// deployment"). Each has its own shared secret (kept encrypted, field "bitrixSecret"), the URL its
// notifications go to (Store.notifyUrl) and the origin that frames its checkout (Store.domain). The
// handler names its store with the X-Kaspi-Store header on every signed request; without it the
// request is the default store's, signed with BITRIX_SHARED_SECRET, as before stores existed.

/** The header a signed on-premise request names its store with (absent: the default store). */
export const STORE_HEADER = "x-kaspi-store";

/** A store id as this app makes them: anything else names no store, before any query. */
const STORE_ID = /^[A-Za-z0-9_-]{1,64}$/;

export class OnpremStoreError extends Error {
  override readonly name = "OnpremStoreError";
  constructor(
    readonly code: "NO_KEY" | "INVALID",
    message: string,
  ) {
    super(message);
  }
}

function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(h);
}

/** An https URL, or http to a loopback host while the sandbox is on (stand-in sites in tests). */
function checkedUrl(value: string, what: string, allowLoopbackHttp: boolean): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new OnpremStoreError("INVALID", `${what} is not an absolute URL`);
  }
  if (url.username || url.password) throw new OnpremStoreError("INVALID", `${what} must not carry credentials`);
  if (url.protocol === "https:") return url;
  if (url.protocol === "http:" && allowLoopbackHttp && isLoopbackHost(url.hostname)) return url;
  throw new OnpremStoreError(
    "INVALID",
    `${what} must be https${allowLoopbackHttp ? " (plain http only to a loopback host)" : ""}`,
  );
}

/** A new shared secret: 64 hex digits (256 random bits), as `openssl rand -hex 32` makes them. */
export function newSharedSecret(): string {
  return randomBytes(32).toString("hex");
}

export type NewOnpremStore = {
  name: string;
  notifyUrl: string;
  /** The site's origin: it frames the store's checkout and receives its messages. */
  origin?: string;
  /** Plain http to loopback (the sandbox is on): stand-in sites in tests. */
  allowLoopbackHttp: boolean;
};

/**
 * Creates an on-premise store: a generated id and shared secret (returned in clear this once and
 * kept encrypted), its notify URL and origin. Test mode with the eCommerce contract: it takes
 * sandbox payments until its Kaspi contract is set (lib/stores/kaspi-settings.ts).
 */
export async function createOnpremStore(
  db: Db,
  keyring: SecretKeyring | null,
  input: NewOnpremStore,
): Promise<{ store: Store; secret: string }> {
  if (!keyring)
    throw new OnpremStoreError("NO_KEY", "STORE_SECRETS_KEY is not set: the shared secret cannot be stored");
  const name = input.name.trim();
  if (!name || name.length > 200) throw new OnpremStoreError("INVALID", "the name must be 1–200 characters");
  const notifyUrl = checkedUrl(input.notifyUrl, "the notify URL", input.allowLoopbackHttp).toString();
  let origin: string | null = null;
  if (input.origin !== undefined) {
    const u = checkedUrl(input.origin, "the origin", input.allowLoopbackHttp);
    if (u.pathname !== "/" || u.search || u.hash) {
      throw new OnpremStoreError("INVALID", "the origin must be scheme://host[:port], without a path");
    }
    origin = u.origin;
  }
  const id = newId("sto");
  const secret = newSharedSecret();
  const store = await db.store.create({
    data: {
      id,
      kind: "onpremise",
      name,
      status: "active",
      mode: "test",
      kaspiProtocol: "ecom",
      bitrixSecret: sealField(id, "bitrixSecret", secret, keyring),
      notifyUrl,
      domain: origin,
      installedAt: new Date(),
    },
  });
  return { store, secret };
}

export type OnpremStoreChange = {
  notifyUrl?: string;
  /** A new origin, or null to have none (the checkout then opens by its link). */
  origin?: string | null;
  /** A new shared secret (returned in clear this once): the old one stops verifying at once. */
  newSecret?: boolean;
  /** Active again, or uninstalled: its requests are refused and its notifications end (rows kept). */
  status?: "active" | "uninstalled";
  allowLoopbackHttp: boolean;
};

/**
 * Changes an on-premise store: its notify URL, origin, shared secret (rotated: the handler's
 * "Shared secret" must be updated at the same time) or status. Only a store of kind onpremise.
 */
export async function updateOnpremStore(
  db: Db,
  keyring: SecretKeyring | null,
  storeId: string,
  change: OnpremStoreChange,
): Promise<{ store: Store; secret?: string }> {
  const store = STORE_ID.test(storeId) ? await findStoreById(db, storeId) : null;
  if (!store || store.kind !== "onpremise") throw new OnpremStoreError("INVALID", `no on-premise store ${storeId}`);
  const data: Partial<Pick<Store, "notifyUrl" | "domain" | "bitrixSecret" | "status" | "uninstalledAt">> = {};
  if (change.notifyUrl !== undefined) {
    data.notifyUrl = checkedUrl(change.notifyUrl, "the notify URL", change.allowLoopbackHttp).toString();
  }
  if (change.origin !== undefined) {
    if (change.origin === null) data.domain = null;
    else {
      const u = checkedUrl(change.origin, "the origin", change.allowLoopbackHttp);
      if (u.pathname !== "/" || u.search || u.hash) {
        throw new OnpremStoreError("INVALID", "the origin must be scheme://host[:port], without a path");
      }
      data.domain = u.origin;
    }
  }
  let secret: string | undefined;
  if (change.newSecret) {
    if (!keyring)
      throw new OnpremStoreError("NO_KEY", "STORE_SECRETS_KEY is not set: the shared secret cannot be stored");
    secret = newSharedSecret();
    data.bitrixSecret = sealField(store.id, "bitrixSecret", secret, keyring);
  }
  if (change.status) {
    data.status = change.status;
    data.uninstalledAt = change.status === "uninstalled" ? new Date() : null;
  }
  const updated = await db.store.update({ where: { id: store.id }, data });
  return secret === undefined ? { store: updated } : { store: updated, secret };
}

/** The store a signed request names, and the secret its signature must verify with. */
export type SignerStore = { storeId: string; secret: string; store: Store | null };

/**
 * Who signs a request that names `header` (null or empty: the default store and
 * BITRIX_SHARED_SECRET). Null for anything that is not an active on-premise store with a secret
 * this deployment can read: the caller answers exactly as for a wrong signature.
 */
export async function signerOf(
  db: Db,
  header: string | null,
  options: { defaultSecret: string; keyring: SecretKeyring | null },
): Promise<SignerStore | null> {
  if (header === null || header === "" || header === DEFAULT_STORE_ID) {
    return { storeId: DEFAULT_STORE_ID, secret: options.defaultSecret, store: null };
  }
  if (!STORE_ID.test(header) || !options.keyring) return null;
  const store = await findStoreById(db, header);
  if (!store || store.kind !== "onpremise" || store.status !== "active") return null;
  let secret: string | null;
  try {
    secret = openField(store, "bitrixSecret", options.keyring);
  } catch {
    return null;
  }
  return secret ? { storeId: store.id, secret, store } : null;
}

/** The shared secret and notify URL of an on-premise store's notifications, or why there are none. */
export function notifyTargetOf(
  store: Store,
  keyring: SecretKeyring | null,
): { ok: true; url: string; secret: string } | { ok: false; error: string } {
  if (store.status !== "active") return { ok: false, error: `store ${store.id} is not active: not delivered` };
  if (!store.notifyUrl) return { ok: false, error: `store ${store.id} has no notify URL` };
  if (!keyring) return { ok: false, error: "STORE_SECRETS_KEY is not set: the store's secret cannot be read" };
  let secret: string | null = null;
  try {
    secret = openField(store, "bitrixSecret", keyring);
  } catch {
    return { ok: false, error: `store ${store.id}: its shared secret does not decrypt with STORE_SECRETS_KEY` };
  }
  return secret ? { ok: true, url: store.notifyUrl, secret } : { ok: false, error: `store ${store.id} has no secret` };
}
