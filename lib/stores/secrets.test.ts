import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  SecretDecryptError,
  SecretKeyError,
  decryptSecret,
  encryptSecret,
  fromEnvironment,
  needsReencryption,
  parseKeyring,
  parseSecretKey,
  reencryptSecret,
  type SecretKeyring,
} from "./secrets";

const HEX_A = "5f0b6f2b1c9d4e8a7b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a";
const HEX_B = "a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff00";
const HEX_C = "0f1e2d3c4b5a69788796a5b4c3d2e1f00123456789abcdeffedcba9876543210";
const ctx = { storeId: "store-a", field: "kaspiToken" };

function ring(current: string, previous?: string): SecretKeyring {
  return parseKeyring(current, previous);
}

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

function codeOf(fn: () => unknown): string {
  const e = errorOf(fn);
  expect(e).toBeInstanceOf(SecretDecryptError);
  return (e as SecretDecryptError).code;
}

/** Flip one bit of one dot-separated part (decoded bytes), keeping the encoding canonical. */
function tamper(ciphertext: string, part: 2 | 3 | 4): string {
  const parts = ciphertext.split(".");
  const bytes = Buffer.from(parts[part]!, "base64url");
  bytes[0] = bytes[0]! ^ 0x01;
  parts[part] = bytes.toString("base64url");
  return parts.join(".");
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/** The same bytes with a padding bit set in the last character (16 bytes leave 4 spare bits). */
function nonCanonical(text: string): string {
  return text.slice(0, -1) + ALPHABET[ALPHABET.indexOf(text.slice(-1)) + 1];
}

describe("keys", () => {
  it("reads 64 hex characters, base64 and base64url; the id is SHA-256's first 8 hex characters", () => {
    const raw = randomBytes(32);
    const fromHex = parseSecretKey(raw.toString("hex"));
    const fromB64 = parseSecretKey(raw.toString("base64"));
    const fromB64NoPad = parseSecretKey(raw.toString("base64").replace(/=$/, ""));
    const fromB64url = parseSecretKey(` ${raw.toString("base64url")}\n`);
    for (const k of [fromHex, fromB64, fromB64NoPad, fromB64url]) expect(k.key.equals(raw)).toBe(true);
    expect(fromHex.id).toBe(createHash("sha256").update(raw).digest("hex").slice(0, 8));
    expect(fromHex.id).toMatch(/^[0-9a-f]{8}$/);
  });

  it("refuses other lengths and encodings, naming the variable and never printing the key", () => {
    const bad = [
      randomBytes(16).toString("hex"), // 16 bytes
      randomBytes(31).toString("base64"),
      randomBytes(33).toString("base64"),
      `${HEX_A}00`,
      HEX_A.slice(0, 63) + "g",
      "correct horse battery staple",
      "",
      "0".repeat(64), // not random
    ];
    for (const value of bad) {
      const e = errorOf(() => parseSecretKey(value, "STORE_SECRETS_KEY"));
      expect(e).toBeInstanceOf(SecretKeyError);
      expect((e as SecretKeyError).variable).toBe("STORE_SECRETS_KEY");
      expect((e as Error).message).toMatch(/^STORE_SECRETS_KEY: /);
      if (value) expect((e as Error).message).not.toContain(value);
    }
  });

  it("fromEnvironment: unset is null; set is validated with the variable named; previous alone is refused", () => {
    expect(fromEnvironment({})).toBeNull();
    expect(fromEnvironment({ STORE_SECRETS_KEY: "  " })).toBeNull();
    const k = fromEnvironment({ STORE_SECRETS_KEY: HEX_A, STORE_SECRETS_KEY_PREVIOUS: `${HEX_B}, ,${HEX_C},` });
    expect(k?.current.id).toBe(parseSecretKey(HEX_A).id);
    expect(k?.previous.map((p) => p.id)).toEqual([parseSecretKey(HEX_B).id, parseSecretKey(HEX_C).id]);

    const e1 = errorOf(() => fromEnvironment({ STORE_SECRETS_KEY: "short-secret" }));
    expect((e1 as Error).message).toMatch(/^STORE_SECRETS_KEY: /);
    expect((e1 as Error).message).not.toContain("short-secret");

    const e2 = errorOf(() =>
      fromEnvironment({ STORE_SECRETS_KEY: HEX_A, STORE_SECRETS_KEY_PREVIOUS: `${HEX_B},oops-key` }),
    );
    expect((e2 as SecretKeyError).variable).toBe("STORE_SECRETS_KEY_PREVIOUS (entry 2)");
    expect((e2 as Error).message).not.toContain("oops-key");
    expect((e2 as Error).message).not.toContain(HEX_B);

    const e3 = errorOf(() => fromEnvironment({ STORE_SECRETS_KEY_PREVIOUS: HEX_B }));
    expect((e3 as SecretKeyError).variable).toBe("STORE_SECRETS_KEY");
    expect((e3 as Error).message).toContain("STORE_SECRETS_KEY_PREVIOUS");
    expect((e3 as Error).message).not.toContain(HEX_B);
  });

  it("a previous key equal to the current one is listed once", () => {
    expect(ring(HEX_A, `${HEX_A},${HEX_B},${HEX_B}`).previous.map((p) => p.id)).toEqual([parseSecretKey(HEX_B).id]);
  });
});

describe("encrypt / decrypt", () => {
  it("round-trips, in the self-describing format, with a fresh IV each time", () => {
    const keys = ring(HEX_A);
    for (const plain of ["kaspi-token-123", "", "Қазақстан ₸ 🙂", "x".repeat(10_000)]) {
      const c = encryptSecret(plain, ctx, keys);
      expect(c).toMatch(/^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]*$/);
      expect(c.split(".")[1]).toBe(keys.current.id);
      expect(decryptSecret(c, ctx, keys)).toBe(plain);
    }
    const a = encryptSecret("same", ctx, keys);
    const b = encryptSecret("same", ctx, keys);
    expect(a).not.toBe(b);
    expect(a).not.toContain("same");
  });

  it("a value copied to another store's row or another field does not decrypt (AUTHENTICATION_FAILED)", () => {
    const keys = ring(HEX_A);
    const c = encryptSecret("secret-of-a", ctx, keys);
    expect(codeOf(() => decryptSecret(c, { storeId: "store-b", field: "kaspiToken" }, keys))).toBe(
      "AUTHENTICATION_FAILED",
    );
    expect(codeOf(() => decryptSecret(c, { storeId: "store-a", field: "refreshToken" }, keys))).toBe(
      "AUTHENTICATION_FAILED",
    );
    // No ambiguity between the two parts of the context.
    const d = encryptSecret("x", { storeId: "a.b", field: "c" }, keys);
    expect(codeOf(() => decryptSecret(d, { storeId: "a", field: "b.c" }, keys))).toBe("AUTHENTICATION_FAILED");
  });

  it("a changed iv, tag or data is refused (AUTHENTICATION_FAILED); a message never shows the plaintext", () => {
    const keys = ring(HEX_A);
    const c = encryptSecret("do-not-print-me", ctx, keys);
    for (const part of [2, 3, 4] as const) {
      const e = errorOf(() => decryptSecret(tamper(c, part), ctx, keys));
      expect((e as SecretDecryptError).code).toBe("AUTHENTICATION_FAILED");
      expect((e as Error).message).not.toContain("do-not-print-me");
    }
    // Data cut short or lengthened.
    const parts = c.split(".");
    parts[4] = Buffer.from(parts[4]!, "base64url").subarray(1).toString("base64url");
    expect(codeOf(() => decryptSecret(parts.join("."), ctx, keys))).toBe("AUTHENTICATION_FAILED");
  });

  it("anything not in the format is MALFORMED", () => {
    const keys = ring(HEX_A);
    const c = encryptSecret("v", ctx, keys);
    const [, id, iv, tag, data] = c.split(".");
    const bad = [
      "",
      "plaintext",
      c.replace(/^v1/, "v2"),
      `v1.${id}.${iv}.${tag}`,
      `${c}.extra`,
      `v1.${id!.toUpperCase()}.${iv}.${tag}.${data}`,
      `v1.${id}.${iv}AA.${tag}.${data}`, // 13-byte iv
      `v1.${id}.${iv}.${tag!.slice(0, -2)}.${data}`, // short tag
      `v1.${id}.${iv}.${tag}.${data}+/`, // not base64url
      `v1.${id}.${iv}.${nonCanonical(tag!)}.${data}`, // stray bits after the tag's 16 bytes
    ];
    for (const b of bad) expect(codeOf(() => decryptSecret(b, ctx, keys))).toBe("MALFORMED");
    expect(codeOf(() => needsReencryption("nope", keys))).toBe("MALFORMED");
  });

  it("a value made with a key that is not listed is UNKNOWN_KEY, naming ids but no key", () => {
    const c = encryptSecret("v", ctx, ring(HEX_B));
    const e = errorOf(() => decryptSecret(c, ctx, ring(HEX_A, HEX_C)));
    expect((e as SecretDecryptError).code).toBe("UNKNOWN_KEY");
    expect((e as Error).message).toContain(parseSecretKey(HEX_B).id);
    expect((e as Error).message).not.toContain(HEX_B);
    expect(codeOf(() => needsReencryption(c, ring(HEX_A)))).toBe("UNKNOWN_KEY");
  });

  it("an empty store id or field is a programming error", () => {
    expect(() => encryptSecret("v", { storeId: "", field: "f" }, ring(HEX_A))).toThrow(TypeError);
    expect(() => encryptSecret("v", { storeId: "s", field: "" }, ring(HEX_A))).toThrow(TypeError);
  });
});

describe("rotation", () => {
  it("old key moved to PREVIOUS: old values decrypt, are flagged, and reencrypt to the new key", () => {
    const before = ring(HEX_A);
    const old = encryptSecret("token-1", ctx, before);
    expect(needsReencryption(old, before)).toBe(false);
    expect(reencryptSecret(old, ctx, before)).toBe(old); // already current: unchanged

    const after = ring(HEX_B, HEX_A);
    expect(decryptSecret(old, ctx, after)).toBe("token-1");
    expect(needsReencryption(old, after)).toBe(true);
    const renewed = reencryptSecret(old, ctx, after);
    expect(renewed.split(".")[1]).toBe(after.current.id);
    expect(needsReencryption(renewed, after)).toBe(false);
    expect(decryptSecret(renewed, ctx, after)).toBe("token-1");

    // New values are made with the current key only.
    expect(encryptSecret("n", ctx, after).split(".")[1]).toBe(after.current.id);

    // Once the old key is dropped, values not yet re-encrypted are UNKNOWN_KEY; renewed ones still read.
    const dropped = ring(HEX_B);
    expect(codeOf(() => decryptSecret(old, ctx, dropped))).toBe("UNKNOWN_KEY");
    expect(decryptSecret(renewed, ctx, dropped)).toBe("token-1");
  });

  it("reencrypt keeps the binding: it authenticates with the given context first", () => {
    const old = encryptSecret("token-1", ctx, ring(HEX_A));
    expect(codeOf(() => reencryptSecret(old, { storeId: "store-b", field: "kaspiToken" }, ring(HEX_B, HEX_A)))).toBe(
      "AUTHENTICATION_FAILED",
    );
  });
});
