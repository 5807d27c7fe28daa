import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { computeSignature, signatureHeaders, targetOf, verifySignature, type SignatureFailure } from "./signature";

const SECRET = "unit-test-secret-0123456789abcdef";
const NOW = 1_760_000_000;
const NONCE = "n0nce-0123456789_abc";
const BODY = JSON.stringify({ externalId: "A-1", amount: 12500, currency: "KZT" });
const REQUEST = { method: "POST", target: "/api/orders", body: BODY };

function check(over: {
  secret?: string;
  timestamp?: string | null;
  nonce?: string | null;
  signature?: string | null;
  method?: string;
  target?: string;
  rawBody?: string;
  now?: number;
}) {
  const headers = signatureHeaders(SECRET, REQUEST, { nowSeconds: NOW, nonce: NONCE });
  return verifySignature({
    secret: over.secret ?? SECRET,
    timestamp: over.timestamp === undefined ? (headers["X-Signature-Timestamp"] ?? null) : over.timestamp,
    nonce: over.nonce === undefined ? (headers["X-Signature-Nonce"] ?? null) : over.nonce,
    signature: over.signature === undefined ? (headers["X-Signature"] ?? null) : over.signature,
    method: over.method ?? REQUEST.method,
    target: over.target ?? REQUEST.target,
    rawBody: over.rawBody ?? BODY,
    toleranceSeconds: 300,
    nowSeconds: over.now ?? NOW,
  });
}

function reasonOf(result: ReturnType<typeof verifySignature>): SignatureFailure | "OK" {
  return result.ok ? "OK" : result.reason;
}

describe("computeSignature / signatureHeaders", () => {
  it("is HMAC-SHA256 over '<ts>.<nonce>.<METHOD>.<target>.<body>' in lowercase hex", () => {
    const input = { timestamp: "1", nonce: NONCE, method: "GET", target: "/api/orders/A%2F1?x=1", body: "" };
    expect(computeSignature("secret", input)).toBe(
      createHmac("sha256", "secret").update(`1.${NONCE}.GET./api/orders/A%2F1?x=1.`).digest("hex"),
    );
    const headers = signatureHeaders(SECRET, REQUEST, { nowSeconds: NOW, nonce: NONCE });
    expect(headers).toEqual({
      "X-Signature-Timestamp": String(NOW),
      "X-Signature-Nonce": NONCE,
      "X-Signature": `sha256=${computeSignature(SECRET, { ...REQUEST, timestamp: String(NOW), nonce: NONCE })}`,
    });
  });

  it("uses a fresh nonce for every request", () => {
    const a = signatureHeaders(SECRET, REQUEST)["X-Signature-Nonce"];
    const b = signatureHeaders(SECRET, REQUEST)["X-Signature-Nonce"];
    expect(a).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    expect(a).not.toBe(b);
  });

  it("targetOf keeps the path and query exactly as encoded", () => {
    expect(targetOf("https://shop.kz/bitrix/tools/sale_ps_result.php?kaspi_checkout=Y")).toBe(
      "/bitrix/tools/sale_ps_result.php?kaspi_checkout=Y",
    );
    expect(targetOf("http://app.test/api/orders/A%2F1?x=1")).toBe("/api/orders/A%2F1?x=1");
  });
});

describe("verifySignature", () => {
  const sig = signatureHeaders(SECRET, REQUEST, { nowSeconds: NOW, nonce: NONCE })["X-Signature"] ?? "";
  const hex = sig.slice("sha256=".length);
  const flipped = `${BODY.slice(0, 10)}${BODY[10] === "A" ? "B" : "A"}${BODY.slice(11)}`;
  const oldForm = createHmac("sha256", SECRET).update(`${NOW}.${BODY}`).digest("hex");

  it.each<[string, Parameters<typeof check>[0], SignatureFailure | "OK"]>([
    ["valid", {}, "OK"],
    ["uppercase hex", { signature: `sha256=${hex.toUpperCase()}` }, "OK"],
    ["surrounding whitespace", { signature: `  ${sig} ` }, "OK"],
    ["lowercase method is the same method", { method: "post" }, "OK"],
    ["wrong secret", { secret: "another-secret-0123456789abcdef" }, "INVALID_SIGNATURE"],
    ["one changed byte of body", { rawBody: flipped }, "INVALID_SIGNATURE"],
    ["trailing newline added to body", { rawBody: `${BODY}\n` }, "INVALID_SIGNATURE"],
    ["another method", { method: "GET" }, "INVALID_SIGNATURE"],
    ["another path", { target: "/api/orders/A-2" }, "INVALID_SIGNATURE"],
    ["a query added", { target: "/api/orders?x=1" }, "INVALID_SIGNATURE"],
    ["another nonce", { nonce: "another-nonce-0123456789" }, "INVALID_SIGNATURE"],
    [
      "the first form '<ts>.<body>' without a nonce",
      { nonce: null, signature: `sha256=${oldForm}` },
      "MISSING_SIGNATURE",
    ],
    ["the first form '<ts>.<body>' with a nonce", { signature: `sha256=${oldForm}` }, "INVALID_SIGNATURE"],
    ["nonce too short", { nonce: "a".repeat(15) }, "INVALID_SIGNATURE"],
    ["nonce too long", { nonce: "a".repeat(65) }, "INVALID_SIGNATURE"],
    ["nonce with other characters", { nonce: "nonce.with.dots.0123" }, "INVALID_SIGNATURE"],
    ["accepted 299 s old", { now: NOW + 299 }, "OK"],
    ["accepted 299 s in the future", { now: NOW - 299 }, "OK"],
    ["accepted exactly 300 s old", { now: NOW + 300 }, "OK"],
    ["stale at 301 s", { now: NOW + 301 }, "STALE_SIGNATURE"],
    ["future at 301 s", { now: NOW - 301 }, "STALE_SIGNATURE"],
    ["missing timestamp", { timestamp: null }, "MISSING_SIGNATURE"],
    ["missing nonce", { nonce: null }, "MISSING_SIGNATURE"],
    ["missing signature", { signature: null }, "MISSING_SIGNATURE"],
    ["empty signature", { signature: "" }, "MISSING_SIGNATURE"],
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

  it("never puts the secret in a failure message", () => {
    const result = check({ secret: SECRET, rawBody: "tampered" });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).not.toContain(SECRET);
  });
});
