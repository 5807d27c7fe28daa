import { describe, expect, it } from "vitest";
import { computeSignature, signatureHeaders, verifySignature, type SignatureFailure } from "./signature";

const SECRET = "unit-test-secret-0123456789abcdef";
const NOW = 1_760_000_000;
const BODY = JSON.stringify({ externalId: "A-1", amount: 12500, currency: "KZT" });

function check(over: {
  secret?: string;
  timestamp?: string | null;
  signature?: string | null;
  rawBody?: string;
  now?: number;
}) {
  const headers = signatureHeaders(SECRET, BODY, NOW);
  return verifySignature({
    secret: over.secret ?? SECRET,
    timestamp: over.timestamp === undefined ? (headers["X-Signature-Timestamp"] ?? null) : over.timestamp,
    signature: over.signature === undefined ? (headers["X-Signature"] ?? null) : over.signature,
    rawBody: over.rawBody ?? BODY,
    toleranceSeconds: 300,
    nowSeconds: over.now ?? NOW,
  });
}

function reasonOf(result: ReturnType<typeof verifySignature>): SignatureFailure | "OK" {
  return result.ok ? "OK" : result.reason;
}

describe("computeSignature / signatureHeaders", () => {
  it("is HMAC-SHA256 over '<timestamp>.<body>' in lowercase hex", () => {
    // Reference value from `printf '1.' | openssl dgst -sha256 -hmac secret`.
    expect(computeSignature("secret", "1", "")).toBe(
      "8f0c4009f5a2110efea93e5f4061f011d119fe65e9c3563c251b9ff41825be79",
    );
    expect(computeSignature("secret", "1", "x")).not.toBe(computeSignature("secret", "1.", "x"));
    const headers = signatureHeaders(SECRET, BODY, NOW);
    expect(headers).toEqual({
      "X-Signature-Timestamp": String(NOW),
      "X-Signature": `sha256=${computeSignature(SECRET, String(NOW), BODY)}`,
    });
  });
});

describe("verifySignature", () => {
  const sig = signatureHeaders(SECRET, BODY, NOW)["X-Signature"] ?? "";
  const hex = sig.slice("sha256=".length);
  const flipped = `${BODY.slice(0, 10)}${BODY[10] === "A" ? "B" : "A"}${BODY.slice(11)}`;

  it.each<[string, Parameters<typeof check>[0], SignatureFailure | "OK"]>([
    ["valid", {}, "OK"],
    ["uppercase hex", { signature: `sha256=${hex.toUpperCase()}` }, "OK"],
    ["surrounding whitespace", { signature: `  ${sig} ` }, "OK"],
    ["wrong secret", { secret: "another-secret-0123456789abcdef" }, "INVALID_SIGNATURE"],
    ["one changed byte of body", { rawBody: flipped }, "INVALID_SIGNATURE"],
    ["trailing newline added to body", { rawBody: `${BODY}\n` }, "INVALID_SIGNATURE"],
    ["accepted 299 s old", { now: NOW + 299 }, "OK"],
    ["accepted 299 s in the future", { now: NOW - 299 }, "OK"],
    ["accepted exactly 300 s old", { now: NOW + 300 }, "OK"],
    ["stale at 301 s", { now: NOW + 301 }, "STALE_SIGNATURE"],
    ["future at 301 s", { now: NOW - 301 }, "STALE_SIGNATURE"],
    ["missing timestamp", { timestamp: null }, "MISSING_SIGNATURE"],
    ["missing signature", { signature: null }, "MISSING_SIGNATURE"],
    ["empty signature", { signature: "" }, "MISSING_SIGNATURE"],
    ["both missing", { timestamp: null, signature: null }, "MISSING_SIGNATURE"],
    ["timestamp not digits", { timestamp: "2025-01-01T00:00:00Z" }, "INVALID_SIGNATURE"],
    ["timestamp negative", { timestamp: `-${NOW}` }, "INVALID_SIGNATURE"],
    ["timestamp in milliseconds", { timestamp: `${NOW}000` }, "INVALID_SIGNATURE"],
    ["no sha256= prefix", { signature: hex }, "INVALID_SIGNATURE"],
    ["other algorithm prefix", { signature: `sha1=${hex}` }, "INVALID_SIGNATURE"],
    ["hex too short", { signature: `sha256=${hex.slice(2)}` }, "INVALID_SIGNATURE"],
    ["hex too long", { signature: `sha256=${hex}00` }, "INVALID_SIGNATURE"],
    ["non-hex characters", { signature: `sha256=${"z".repeat(64)}` }, "INVALID_SIGNATURE"],
    [
      "base64 instead of hex",
      { signature: `sha256=${Buffer.from(hex, "hex").toString("base64")}` },
      "INVALID_SIGNATURE",
    ],
    ["signature of another timestamp", { timestamp: String(NOW + 1) }, "INVALID_SIGNATURE"],
  ])("%s", (_name, over, expected) => {
    expect(reasonOf(check(over))).toBe(expected);
  });

  it("signs body-less requests over '<timestamp>.'", () => {
    const headers = signatureHeaders(SECRET, "", NOW);
    const result = verifySignature({
      secret: SECRET,
      timestamp: headers["X-Signature-Timestamp"] ?? null,
      signature: headers["X-Signature"] ?? null,
      rawBody: "",
      toleranceSeconds: 300,
      nowSeconds: NOW,
    });
    expect(result).toEqual({ ok: true });
  });

  it("never puts the secret in a failure message", () => {
    const result = check({ secret: SECRET, rawBody: "tampered" });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).not.toContain(SECRET);
  });
});
