import { randomBytes, randomUUID } from "node:crypto";
import type { Db } from "../db";
import type { Store } from "../generated/sqlite/client";
import { newId } from "../ids";
import { decryptSecret, encryptSecret, type SecretKeyring } from "./secrets";
import { DEFAULT_STORE_ID } from "./store-id";

// The Store rows (prisma/schema.prisma, model Store): the environment's "default" store, and the
// Bitrix24 portals that installed the app (keyed by member_id, which survives a domain change:
// bitrix24/b24restdocs settings/oauth/simple-way.md). OAuth tokens are kept encrypted
// (lib/stores/secrets.ts, fields "accessToken", "refreshToken", "applicationToken").
//
// The access token is renewed once per expiry across every instance on the database
// (refreshWithLease): the refresh grant hands out a new refresh token that replaces the old one
// (settings/oauth/auto-renewal.md, "Retain it instead of the previous one"), so two instances
// refreshing with the same refresh token would leave one of them with a token the server has
// already replaced. The lease is a compare-and-set on tokenLockedUntil/tokenLockedBy, like the
// outbox's (lib/outbox/delivery.ts): one UPDATE … WHERE, the same on SQLite and PostgreSQL.

export type { Store } from "../generated/sqlite/client";

export type StoreStatus = "active" | "uninstalled";

/** The secret fields of a Store row, each encrypted with its own associated data. */
export type StoreSecretField = "accessToken" | "refreshToken" | "applicationToken" | "kaspiSecrets" | "bitrixSecret";

/** What the default store takes from the environment (lib/env.ts); nothing secret is copied. */
export type DefaultStoreSettings = {
  BITRIX_CONNECTOR: "onpremise" | "bitrix24";
  MERCHANT_NAME: string;
  KASPI_PROTOCOL: "ecom" | "qr" | "checkpay";
  paymentMode: "live" | "sandbox";
};

/**
 * The environment's store, made (or brought up to date) at start: its kind, name, protocol and
 * mode as the environment says. Its credentials stay in the environment and are read from there
 * (no secret is copied into the row), so an existing deployment keeps working unchanged.
 */
export async function ensureDefaultStore(db: Db, settings: DefaultStoreSettings): Promise<Store> {
  const fields = {
    kind: settings.BITRIX_CONNECTOR,
    name: settings.MERCHANT_NAME,
    kaspiProtocol: settings.KASPI_PROTOCOL,
    mode: settings.paymentMode === "live" ? "live" : "test",
  };
  return db.store.upsert({
    where: { id: DEFAULT_STORE_ID },
    create: { id: DEFAULT_STORE_ID, status: "active", ...fields },
    update: fields,
  });
}

export function findStoreById(db: Db, id: string): Promise<Store | null> {
  return db.store.findUnique({ where: { id } });
}

export function findStoreByMemberId(db: Db, memberId: string): Promise<Store | null> {
  return db.store.findUnique({ where: { memberId } });
}

/**
 * The store whose pay system handler's ACTION_URI carries this key. The key is public (every
 * shopper's frame has it), so a match names a store and grants nothing else: the checkout still
 * confirms the payment on that store's own portal.
 */
export async function findStoreByCheckoutKey(db: Db, key: string): Promise<Store | null> {
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(key)) return null;
  return db.store.findUnique({ where: { checkoutKey: key } });
}

/** A new random ACTION_URI key: 32 base64url characters (192 bits). */
export function newCheckoutKey(): string {
  return randomBytes(24).toString("base64url");
}

export function sealField(storeId: string, field: StoreSecretField, value: string, keyring: SecretKeyring): string {
  return encryptSecret(value, { storeId, field }, keyring);
}

/** A secret field in clear, or null when the row has none. Throws SecretDecryptError when it does not decrypt. */
export function openField(store: Store, field: StoreSecretField, keyring: SecretKeyring): string | null {
  const value = store[field];
  return value ? decryptSecret(value, { storeId: store.id, field }, keyring) : null;
}

export type InstalledPortal = {
  memberId: string;
  domain: string;
  restBase: string;
  lang: string | null;
  scope: string[];
  accessToken: string;
  refreshToken: string;
  /** Unix ms. */
  expiresAt: number;
  applicationToken: string;
};

/**
 * Records a verified install: a new store for a new member_id, or the known store with the new
 * tokens, domain and REST base (a reinstall, or an install after an uninstall). The store keeps
 * its id, its ACTION_URI key and its rows. The caller has confirmed the tokens with app.info first.
 */
export async function saveInstall(db: Db, portal: InstalledPortal, keyring: SecretKeyring): Promise<Store> {
  const existing = await findStoreByMemberId(db, portal.memberId);
  const id = existing?.id ?? newId("sto");
  const fields = {
    kind: "bitrix24",
    status: "active",
    domain: portal.domain,
    restBase: portal.restBase,
    lang: portal.lang,
    scope: portal.scope.join(","),
    accessToken: sealField(id, "accessToken", portal.accessToken, keyring),
    refreshToken: sealField(id, "refreshToken", portal.refreshToken, keyring),
    applicationToken: sealField(id, "applicationToken", portal.applicationToken, keyring),
    tokenExpiresAt: new Date(portal.expiresAt),
    tokenLockedUntil: null,
    tokenLockedBy: null,
    installedAt: new Date(),
    uninstalledAt: null,
  };
  if (existing) {
    return db.store.update({
      where: { id },
      data: { ...fields, checkoutKey: existing.checkoutKey ?? newCheckoutKey() },
    });
  }
  return db.store.create({
    data: { id, memberId: portal.memberId, name: portal.domain, checkoutKey: newCheckoutKey(), ...fields },
  });
}

/**
 * The portal removed the app (ONAPPUNINSTALL): the store is marked uninstalled and its tokens are
 * dropped, so no REST call or refresh is made for it again. Its orders, payments and outbox rows
 * stay for the merchant's records. Answers whether this call changed the store.
 */
export async function markUninstalled(db: Db, storeId: string): Promise<boolean> {
  const done = await db.store.updateMany({
    where: { id: storeId, status: "active" },
    data: {
      status: "uninstalled",
      uninstalledAt: new Date(),
      accessToken: null,
      refreshToken: null,
      applicationToken: null,
      tokenExpiresAt: null,
      tokenLockedUntil: null,
      tokenLockedBy: null,
    },
  });
  return done.count === 1;
}

/** Why a store's tokens cannot be used or renewed. */
export class StoreTokenError extends Error {
  override readonly name = "StoreTokenError";
  constructor(
    readonly code: "NO_STORE" | "UNINSTALLED" | "NO_TOKEN" | "REFRESH_FAILED" | "LEASE_TIMEOUT",
    message: string,
  ) {
    super(message);
  }
}

/** The store's current access token in clear; throws StoreTokenError when it has none to use. */
export async function currentAccessToken(db: Db, storeId: string, keyring: SecretKeyring): Promise<string> {
  const store = await findStoreById(db, storeId);
  return usableAccessToken(store, storeId, keyring);
}

function usableAccessToken(store: Store | null, storeId: string, keyring: SecretKeyring): string {
  if (!store) throw new StoreTokenError("NO_STORE", `store ${storeId} does not exist`);
  if (store.status !== "active") throw new StoreTokenError("UNINSTALLED", `store ${storeId} is uninstalled`);
  const token = openField(store, "accessToken", keyring);
  if (!token) throw new StoreTokenError("NO_TOKEN", `store ${storeId} has no access token`);
  return token;
}

/** What a refresh grant gives back (lib/bitrix24/oauth.ts refreshTokens, as the caller maps it). */
export type RefreshedTokens = { accessToken: string; refreshToken: string; expiresAt: number };

export type RefreshOptions = {
  keyring: SecretKeyring;
  /** The access token the portal called expired: a stored token other than it is already newer. */
  expiredAccessToken: string;
  /** Who holds the lease (an instance and process id); a new random one when absent. */
  holder?: string;
  /** How long a lease lasts: longer than one refresh grant may take (its timeout). Default 30 s. */
  leaseMs?: number;
  /** How long a caller waits for another holder's refresh before giving up. Default 15 s. */
  waitMs?: number;
  /** How often a waiting caller re-reads the row. Default 50 ms. */
  pollMs?: number;
};

/**
 * Exactly one refresh per expiry across instances. The caller met `expired_token` with
 * `expiredAccessToken` (b24restdocs _includes/system-errors.md; settings/oauth/auto-renewal.md:
 * refresh, keep the new pair, repeat the call):
 * 1. If the stored access token is already another one, another caller has refreshed: use it.
 * 2. Else take the lease: UPDATE … WHERE tokenLockedUntil is free (compare-and-set).
 * 3. With the lease, read the row again (a refresh may have finished between 1 and 2), else call
 *    `refresh` with the stored refresh token and write the new access and refresh tokens and clear
 *    the lease in one UPDATE, guarded by our lease and the store still being active.
 * 4. Without it, poll until the holder's new token appears (or its lease runs out: then try 2).
 * Throws StoreTokenError when the store is gone or uninstalled, or the refresh failed.
 */
export async function refreshWithLease(
  db: Db,
  storeId: string,
  refresh: (refreshToken: string) => Promise<RefreshedTokens>,
  options: RefreshOptions,
): Promise<string> {
  const { keyring, expiredAccessToken } = options;
  const holder = options.holder ?? randomUUID();
  const leaseMs = options.leaseMs ?? 30_000;
  const pollMs = options.pollMs ?? 50;
  const deadline = Date.now() + (options.waitMs ?? 15_000);

  for (;;) {
    const store = await findStoreById(db, storeId);
    const current = usableAccessToken(store, storeId, keyring);
    if (current !== expiredAccessToken) return current;

    const now = new Date();
    const taken = await db.store.updateMany({
      where: { id: storeId, status: "active", OR: [{ tokenLockedUntil: null }, { tokenLockedUntil: { lt: now } }] },
      data: { tokenLockedUntil: new Date(now.getTime() + leaseMs), tokenLockedBy: holder },
    });
    if (taken.count === 1) return refreshHoldingLease(db, storeId, refresh, keyring, expiredAccessToken, holder);

    if (Date.now() >= deadline) {
      throw new StoreTokenError("LEASE_TIMEOUT", `store ${storeId}: no renewed token within the wait`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

async function refreshHoldingLease(
  db: Db,
  storeId: string,
  refresh: (refreshToken: string) => Promise<RefreshedTokens>,
  keyring: SecretKeyring,
  expiredAccessToken: string,
  holder: string,
): Promise<string> {
  const release = () =>
    db.store.updateMany({
      where: { id: storeId, tokenLockedBy: holder },
      data: { tokenLockedUntil: null, tokenLockedBy: null },
    });
  let tokens: RefreshedTokens;
  try {
    const store = await findStoreById(db, storeId);
    const current = usableAccessToken(store, storeId, keyring);
    if (current !== expiredAccessToken) {
      await release();
      return current;
    }
    const refreshToken = openField(store!, "refreshToken", keyring);
    if (!refreshToken) throw new StoreTokenError("NO_TOKEN", `store ${storeId} has no refresh token`);
    tokens = await refresh(refreshToken);
  } catch (e) {
    await release();
    if (e instanceof StoreTokenError) throw e;
    throw new StoreTokenError(
      "REFRESH_FAILED",
      `store ${storeId}: ${e instanceof Error ? e.message : "refresh failed"}`,
    );
  }
  // The new pair and the lease's release in one statement: no reader ever sees the new access token
  // with the old refresh token, or a released lease with the old pair.
  const written = await db.store.updateMany({
    where: { id: storeId, status: "active", tokenLockedBy: holder },
    data: {
      accessToken: sealField(storeId, "accessToken", tokens.accessToken, keyring),
      refreshToken: sealField(storeId, "refreshToken", tokens.refreshToken, keyring),
      tokenExpiresAt: new Date(tokens.expiresAt),
      tokenLockedUntil: null,
      tokenLockedBy: null,
    },
  });
  if (written.count !== 1) {
    const store = await findStoreById(db, storeId);
    // Uninstalled meanwhile: the new tokens are not kept, and nothing is called with them.
    usableAccessToken(store, storeId, keyring);
    throw new StoreTokenError(
      "REFRESH_FAILED",
      `store ${storeId}: the refresh lease ran out before the new tokens were written`,
    );
  }
  return tokens.accessToken;
}
