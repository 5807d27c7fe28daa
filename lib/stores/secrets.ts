import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

// Encryption at rest of a store's credentials (Kaspi tokens, Bitrix24 OAuth tokens, shared
// secrets) with AES-256-GCM.
//
// A ciphertext is one self-describing string:
//
//     v1.<keyId>.<iv b64url>.<tag b64url>.<data b64url>
//
// - keyId: the first 8 hex characters of SHA-256 of the key, so a value made with a key that has
//   since been rotated is recognised, and decrypted with that key while it is still listed.
// - iv: 12 random bytes per encryption; tag: GCM's 16-byte authentication tag.
// - The associated data binds the value to its store and field: a value copied into another
//   store's row, or into another column of the same row, does not decrypt.
//
// Keys: `STORE_SECRETS_KEY` encrypts and decrypts; `STORE_SECRETS_KEY_PREVIOUS` (a comma-separated
// list) only decrypts. Rotation: move the old key to STORE_SECRETS_KEY_PREVIOUS, set a new
// STORE_SECRETS_KEY, re-encrypt every value for which needsReencryption() says so (reencrypt()),
// then drop the old key from the list.
//
// Every function takes the keys as a parameter; only fromEnvironment() reads variables. No error
// message ever contains a key or a plaintext.

export const CURRENT_KEY_VARIABLE = "STORE_SECRETS_KEY";
export const PREVIOUS_KEYS_VARIABLE = "STORE_SECRETS_KEY_PREVIOUS";

const VERSION = "v1";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export type SecretKey = {
  /** First 8 hex characters of SHA-256 of the key: safe to log and to store in ciphertexts. */
  readonly id: string;
  readonly key: Buffer;
};

export type SecretKeyring = {
  /** Encrypts, and decrypts what it made. */
  readonly current: SecretKey;
  /** Only decrypt: values made before a rotation. */
  readonly previous: readonly SecretKey[];
};

/** What a ciphertext is bound to. */
export type SecretContext = { readonly storeId: string; readonly field: string };

/** A key (or key list) that is not a 32-byte key; `variable` names where it came from. */
export class SecretKeyError extends Error {
  override readonly name = "SecretKeyError";
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

export type SecretDecryptErrorCode =
  /** Not a `v1.<keyId>.<iv>.<tag>.<data>` string. */
  | "MALFORMED"
  /** Made with a key that is neither the current nor a previous one. */
  | "UNKNOWN_KEY"
  /**
   * GCM refused it: the value was changed, or it belongs to another store or field. The two cannot
   * be told apart: the associated data is part of what the tag authenticates.
   */
  | "AUTHENTICATION_FAILED";

export class SecretDecryptError extends Error {
  override readonly name = "SecretDecryptError";
  constructor(
    readonly code: SecretDecryptErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
// 32 bytes are 43 base64 characters and one "=" of padding (optional here); standard or url alphabet.
const BASE64_KEY = /^[A-Za-z0-9+/]{43}=?$/;
const BASE64URL_KEY = /^[A-Za-z0-9_-]{43}=?$/;

export function keyIdOf(key: Buffer): string {
  return createHash("sha256").update(key).digest("hex").slice(0, 8);
}

/**
 * A key given as 64 hex characters or as base64 / base64url of 32 bytes (`openssl rand -hex 32`,
 * `openssl rand -base64 32`). Surrounding whitespace is ignored. Refuses anything else, and a key
 * whose 32 bytes are all the same (a placeholder, not a random key).
 */
export function parseSecretKey(value: string, variable: string = CURRENT_KEY_VARIABLE): SecretKey {
  const text = value.trim();
  let key: Buffer;
  if (HEX_KEY.test(text)) {
    key = Buffer.from(text, "hex");
  } else if (BASE64_KEY.test(text) || BASE64URL_KEY.test(text)) {
    key = Buffer.from(text.replace(/=$/, "").replace(/-/g, "+").replace(/_/g, "/"), "base64");
  } else {
    throw new SecretKeyError(
      variable,
      `expected a 32-byte key as 64 hex characters or base64 (e.g. \`openssl rand -hex 32\`); ` +
        `got ${text.length} characters that are neither`,
    );
  }
  if (key.length !== KEY_BYTES) {
    throw new SecretKeyError(variable, `the key decodes to ${key.length} bytes, not ${KEY_BYTES}`);
  }
  if (key.every((b) => b === key[0])) {
    throw new SecretKeyError(variable, "the key's bytes are all the same: use a random key (`openssl rand -hex 32`)");
  }
  return { id: keyIdOf(key), key };
}

/** The current key and the comma-separated previous keys (empty entries are ignored). */
export function parseKeyring(current: string, previous?: string): SecretKeyring {
  const currentKey = parseSecretKey(current, CURRENT_KEY_VARIABLE);
  const previousKeys: SecretKey[] = [];
  const entries = (previous ?? "").split(",").map((s) => s.trim());
  entries.forEach((entry, index) => {
    if (!entry) return;
    const key = parseSecretKey(entry, `${PREVIOUS_KEYS_VARIABLE} (entry ${index + 1})`);
    const same = [currentKey, ...previousKeys].find((k) => k.id === key.id);
    if (same && !same.key.equals(key.key)) {
      // Two different keys with the same 32-bit id: a ciphertext would not say which one made it.
      throw new SecretKeyError(
        `${PREVIOUS_KEYS_VARIABLE} (entry ${index + 1})`,
        `its key id ${key.id} is the id of another key; generate a new key`,
      );
    }
    if (!same) previousKeys.push(key);
  });
  return { current: currentKey, previous: previousKeys };
}

/**
 * The keyring from the environment, or null when neither variable is set (no store credentials
 * can then be stored). A previous key list without a current key is refused: it could decrypt but
 * never encrypt.
 */
export function fromEnvironment(env: Readonly<Record<string, string | undefined>>): SecretKeyring | null {
  const current = env[CURRENT_KEY_VARIABLE]?.trim() ?? "";
  const previous = env[PREVIOUS_KEYS_VARIABLE]?.trim() ?? "";
  if (!current) {
    if (previous) {
      throw new SecretKeyError(
        CURRENT_KEY_VARIABLE,
        `is not set, but ${PREVIOUS_KEYS_VARIABLE} is: set the new key in ${CURRENT_KEY_VARIABLE}`,
      );
    }
    return null;
  }
  return parseKeyring(current, previous);
}

function checkContext(context: SecretContext): void {
  if (typeof context.storeId !== "string" || !context.storeId || typeof context.field !== "string" || !context.field) {
    throw new TypeError("a secret's context needs a non-empty storeId and field");
  }
}

/** Unambiguous associated data: JSON of an array cannot be confused across boundaries. */
function associatedData(keyId: string, context: SecretContext): Buffer {
  return Buffer.from(JSON.stringify(["kaspi-checkout/store-secret", VERSION, keyId, context.storeId, context.field]));
}

export function encryptSecret(plaintext: string, context: SecretContext, keyring: SecretKeyring): string {
  checkContext(context);
  const { id, key } = keyring.current;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(id, context));
  const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, id, b64url(iv), b64url(tag), b64url(data)].join(".");
}

type Parsed = { keyId: string; iv: Buffer; tag: Buffer; data: Buffer };

const KEY_ID = /^[0-9a-f]{8}$/;
const B64URL = /^[A-Za-z0-9_-]*$/;

function b64url(buf: Buffer): string {
  return buf.toString("base64url");
}

function fromB64url(text: string): Buffer | null {
  if (!B64URL.test(text)) return null;
  const buf = Buffer.from(text, "base64url");
  // Canonical only: a string with stray trailing bits would decode to the same bytes.
  return buf.toString("base64url") === text ? buf : null;
}

function parseCiphertext(ciphertext: string): Parsed {
  const malformed = (why: string) =>
    new SecretDecryptError("MALFORMED", `not a stored secret (v1.<keyId>.<iv>.<tag>.<data>): ${why}`);
  if (typeof ciphertext !== "string") throw malformed("not a string");
  const parts = ciphertext.split(".");
  if (parts.length !== 5) throw malformed(`${parts.length} parts instead of 5`);
  const [version, keyId, ivText, tagText, dataText] = parts as [string, string, string, string, string];
  if (version !== VERSION) throw malformed("unknown version");
  if (!KEY_ID.test(keyId)) throw malformed("bad key id");
  const iv = fromB64url(ivText);
  if (!iv || iv.length !== IV_BYTES) throw malformed("bad iv");
  const tag = fromB64url(tagText);
  if (!tag || tag.length !== TAG_BYTES) throw malformed("bad tag");
  const data = fromB64url(dataText);
  if (!data) throw malformed("bad data");
  return { keyId, iv, tag, data };
}

function keyFor(keyId: string, keyring: SecretKeyring): SecretKey {
  const key = [keyring.current, ...keyring.previous].find((k) => k.id === keyId);
  if (!key) {
    throw new SecretDecryptError(
      "UNKNOWN_KEY",
      `the secret was encrypted with key ${keyId}, which is neither ${CURRENT_KEY_VARIABLE} (${keyring.current.id}) ` +
        `nor listed in ${PREVIOUS_KEYS_VARIABLE}`,
    );
  }
  return key;
}

export function decryptSecret(ciphertext: string, context: SecretContext, keyring: SecretKeyring): string {
  checkContext(context);
  const parsed = parseCiphertext(ciphertext);
  const { key } = keyFor(parsed.keyId, keyring);
  const decipher = createDecipheriv("aes-256-gcm", key, parsed.iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(associatedData(parsed.keyId, context));
  decipher.setAuthTag(parsed.tag);
  let plain: Buffer;
  try {
    plain = Buffer.concat([decipher.update(parsed.data), decipher.final()]);
  } catch {
    throw new SecretDecryptError(
      "AUTHENTICATION_FAILED",
      `the secret for field "${context.field}" does not authenticate: it was altered, or it belongs to another store or field`,
    );
  }
  return plain.toString("utf8");
}

/**
 * True when the value was made with a previous key and should be re-encrypted with the current
 * one. Throws SecretDecryptError (MALFORMED, UNKNOWN_KEY) for a value no key here can read.
 */
export function needsReencryption(ciphertext: string, keyring: SecretKeyring): boolean {
  const { keyId } = parseCiphertext(ciphertext);
  keyFor(keyId, keyring);
  return keyId !== keyring.current.id;
}

/**
 * The value encrypted with the current key (and authenticated before, with whichever key made
 * it). A value already under the current key comes back unchanged, so a rotation pass writes only
 * the rows that need it.
 */
export function reencryptSecret(ciphertext: string, context: SecretContext, keyring: SecretKeyring): string {
  const plain = decryptSecret(ciphertext, context, keyring);
  if (parseCiphertext(ciphertext).keyId === keyring.current.id) return ciphertext;
  return encryptSecret(plain, context, keyring);
}
