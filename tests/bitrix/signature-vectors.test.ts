import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { signatureHeaders, verifySignature } from "@/lib/bitrix-onprem/signature";

// The same vectors integrations/bitrix/tests/run.php checks the PHP handler against: what one side
// signs, the other verifies, byte for byte, with the same verdicts.

type Vectors = {
  signing: { name: string; secret: string; timestamp: string; body: string; signature: string }[];
  verification: {
    name: string;
    secret: string;
    timestamp: string | null;
    signature: string | null;
    body: string;
    now: number;
    toleranceSeconds: number;
    expected: string;
  }[];
};

const vectors = JSON.parse(readFileSync("integrations/bitrix/tests/signature-vectors.json", "utf8")) as Vectors;

describe("shared signature vectors (TypeScript side)", () => {
  it.each(vectors.signing.map((v) => [v.name, v] as const))("signs: %s", (_name, v) => {
    expect(signatureHeaders(v.secret, v.body, Number(v.timestamp))).toEqual({
      "X-Signature-Timestamp": v.timestamp,
      "X-Signature": v.signature,
    });
  });

  it.each(vectors.verification.map((v) => [v.name, v] as const))("verifies: %s", (_name, v) => {
    const result = verifySignature({
      secret: v.secret,
      timestamp: v.timestamp,
      signature: v.signature,
      rawBody: v.body,
      toleranceSeconds: v.toleranceSeconds,
      nowSeconds: v.now,
    });
    expect(result.ok ? "OK" : result.reason).toBe(v.expected);
  });
});
