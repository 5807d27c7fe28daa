import { z } from "zod";
import type { Db } from "../db";
import type { SecretKeyring } from "./secrets";
import { openField, sealField, type Store } from "./store-repository";
import { DEFAULT_STORE_ID } from "./store-id";

// A store's Kaspi contract (docs/stores.md, docs/kaspi.md): which of the three protocols, its
// credentials, and test or live. The protocol and the mode are plain columns (Store.kaspiProtocol,
// Store.mode); the credentials are one JSON document encrypted in Store.kaspiSecrets (field
// "kaspiSecrets", lib/stores/secrets.ts). The default store is configured by the environment
// (KASPI_*) and never through this file.
//
// Per store, as the environment offers them: eCommerce (token), QR r1 (Api-Key and device token)
// and check/pay (Service id, how the shopper reaches it). QR r2/r3 authenticate with a client
// certificate Kaspi issues per merchant; they stay with the environment's store for now.

export const STORE_PROTOCOLS = ["ecom", "qr", "checkpay"] as const;
export type StoreProtocol = (typeof STORE_PROTOCOLS)[number];
export const STORE_MODES = ["test", "live"] as const;
export type StoreMode = (typeof STORE_MODES)[number];

const secret = z.string().trim().min(8, "is too short").max(512, "is too long");
const httpsUrl = z
  .url()
  .max(2048)
  .refine((u) => u.startsWith("https://"), "must be an https:// address");

/** The credentials of each protocol: what a merchant enters, validated before it is stored. */
export const kaspiCredentialsSchema = z.discriminatedUnion("protocol", [
  z.object({
    protocol: z.literal("ecom"),
    /** The eCommerce API token (docs/kaspi.md, eCommerce). */
    token: secret,
    /** Kaspi's API base; default https://api.kaspi.kz/payment/ (as KASPI_BASE_URL). */
    baseUrl: httpsUrl.optional(),
  }),
  z.object({
    protocol: z.literal("qr"),
    scheme: z.literal("r1"),
    /** The Api-Key header of scheme r1 and the trade point's DeviceToken (docs/kaspi.md, QR). */
    apiKey: secret,
    deviceToken: secret,
    /** The host Kaspi sent with the credentials, e.g. https://<host>:8543/r1/v01/ (as KASPI_QR_BASE_URL). */
    baseUrl: httpsUrl,
  }),
  z.object({
    protocol: z.literal("checkpay"),
    /** The Service code Kaspi registered for the store (as KASPI_CHECKPAY_SERVICE_ID). */
    serviceId: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, "is not a Kaspi Service code"),
    entry: z.enum(["online", "link"]).default("online"),
    /** With entry "link": the Service's Kaspi link (as KASPI_CHECKPAY_PAY_LINK). */
    payLink: httpsUrl.optional(),
  }),
]);
export type KaspiCredentials = z.infer<typeof kaspiCredentialsSchema>;

/** A store's Kaspi settings as the app uses them. */
export type StoreKaspiSettings = {
  storeId: string;
  protocol: StoreProtocol | null;
  mode: StoreMode;
  /** Null in test mode without credentials (the built-in sandbox), or when none were entered. */
  credentials: KaspiCredentials | null;
};

export class StoreSettingsError extends Error {
  constructor(
    readonly code: "NOT_FOUND" | "DEFAULT_STORE" | "INVALID" | "NO_KEY",
    message: string,
  ) {
    super(message);
    this.name = "StoreSettingsError";
  }
}

/** Reads (and decrypts) a store's Kaspi settings. A document that does not decrypt or parse reads as none. */
export function kaspiSettingsOf(store: Store, keyring: SecretKeyring | null): StoreKaspiSettings {
  const protocol = (STORE_PROTOCOLS as readonly string[]).includes(store.kaspiProtocol ?? "")
    ? (store.kaspiProtocol as StoreProtocol)
    : null;
  const mode: StoreMode = store.mode === "live" ? "live" : "test";
  let credentials: KaspiCredentials | null = null;
  if (store.kaspiSecrets && keyring) {
    try {
      const opened = openField(store, "kaspiSecrets", keyring);
      const parsed = opened === null ? null : kaspiCredentialsSchema.safeParse(JSON.parse(opened));
      if (parsed?.success && parsed.data.protocol === protocol) credentials = parsed.data;
    } catch {
      // Made with a key no longer configured, or tampered with: as if none were entered (the
      // store cannot take live payments until the merchant enters them again).
      credentials = null;
    }
  }
  return { storeId: store.id, protocol, mode, credentials };
}

/**
 * Saves a store's Kaspi choice. Live mode needs credentials of the chosen protocol; test mode may
 * keep them (the merchant tries the sandbox before going live) or have none. The default store is
 * refused: the environment configures it.
 */
export async function saveKaspiSettings(
  db: Db,
  keyring: SecretKeyring | null,
  input: { storeId: string; protocol: StoreProtocol; mode: StoreMode; credentials: unknown },
): Promise<StoreKaspiSettings> {
  if (input.storeId === DEFAULT_STORE_ID) {
    throw new StoreSettingsError("DEFAULT_STORE", "the default store is configured by the environment (KASPI_*)");
  }
  const store = await db.store.findUnique({ where: { id: input.storeId } });
  if (!store) throw new StoreSettingsError("NOT_FOUND", "no such store");
  let credentials: KaspiCredentials | null = null;
  if (input.credentials !== null && input.credentials !== undefined) {
    const parsed = kaspiCredentialsSchema.safeParse(input.credentials);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new StoreSettingsError(
        "INVALID",
        first ? `${first.path.join(".") || "credentials"}: ${first.message}` : "invalid",
      );
    }
    if (parsed.data.protocol !== input.protocol) {
      throw new StoreSettingsError("INVALID", "the credentials are for another protocol");
    }
    credentials = parsed.data;
  }
  if (input.mode === "live" && !credentials) {
    throw new StoreSettingsError("INVALID", "live mode needs the Kaspi credentials of the chosen protocol");
  }
  if (credentials && !keyring) {
    throw new StoreSettingsError("NO_KEY", "STORE_SECRETS_KEY is not set: credentials cannot be stored");
  }
  const updated = await db.store.update({
    where: { id: store.id },
    data: {
      kaspiProtocol: input.protocol,
      mode: input.mode,
      kaspiSecrets:
        credentials && keyring ? sealField(store.id, "kaspiSecrets", JSON.stringify(credentials), keyring) : null,
    },
  });
  return kaspiSettingsOf(updated, keyring);
}
