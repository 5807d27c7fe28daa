import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { signatureHeaders, verifySignature } from "@/lib/bitrix-onprem/signature";

// The same vectors integrations/bitrix/tests/run.php checks the PHP handler against: what one side
// signs, the other verifies, byte for byte, with the same verdicts.

type Vectors = {
  signing: {
    name: string;
    secret: string;
    timestamp: string;
    nonce: string;
    method: string;
    target: string;
    body: string;
    signature: string;
  }[];
  verification: {
    name: string;
    secret: string;
    timestamp: string | null;
    nonce: string | null;
    signature: string | null;
    method: string;
    target: string;
    body: string;
    now: number;
    toleranceSeconds: number;
    expected: string;
  }[];
};

const vectors = JSON.parse(readFileSync("integrations/bitrix/tests/signature-vectors.json", "utf8")) as Vectors;

describe("shared signature vectors (TypeScript side)", () => {
  it.each(vectors.signing.map((v) => [v.name, v] as const))("signs: %s", (_name, v) => {
    const headers = signatureHeaders(
      v.secret,
      { method: v.method, target: v.target, body: v.body },
      { nowSeconds: Number(v.timestamp), nonce: v.nonce },
    );
    expect(headers).toEqual({
      "X-Signature-Timestamp": v.timestamp,
      "X-Signature-Nonce": v.nonce,
      "X-Signature": v.signature,
    });
  });

  it("a signature made for one order does not read another", () => {
    const [a, b] = vectors.signing.filter(
      (v) => v.name.startsWith("read-back of another") || v.name.includes("encoded id"),
    );
    expect(a && b && a.nonce === b.nonce && a.timestamp === b.timestamp).toBe(true);
    expect(a?.signature).not.toBe(b?.signature);
  });

  it.each(vectors.verification.map((v) => [v.name, v] as const))("verifies: %s", (_name, v) => {
    const result = verifySignature({
      secret: v.secret,
      timestamp: v.timestamp,
      nonce: v.nonce,
      signature: v.signature,
      method: v.method,
      target: v.target,
      rawBody: v.body,
      toleranceSeconds: v.toleranceSeconds,
      nowSeconds: v.now,
    });
    expect(result.ok ? "OK" : result.reason).toBe(v.expected);
  });
});
