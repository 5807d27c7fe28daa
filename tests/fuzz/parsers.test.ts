import fc from "fast-check";
import { afterAll, describe, expect, it, vi } from "vitest";
import { computeSignature, signatureHeaders, verifySignature } from "@/lib/bitrix-onprem/signature";
import { ecomCallbackSchema } from "@/lib/kaspi/ecom-schemas";
import { orderIntakeSchema } from "@/lib/payments/order-schemas";
import { anyValue, FuzzCounter, headerValue, nastyString, runs } from "./support";

// Thousands of cases per property: allow minutes on a loaded 2-core machine, not 20 s.
vi.setConfig({ testTimeout: 240_000 });

// Reliability scenario 6, parsers: the Bitrix signature header check and Kaspi's callback parser
// never throw, and accept exactly what they must.

const counter = new FuzzCounter("parsers");
afterAll(() => counter.report());

const SECRET = "fuzz-shared-secret-0123456789abcdef";
const NOW = 1_800_000_000;
const TOLERANCE = 300;
const NONCE = "fuzz-nonce-0123456789";
const TARGET = { method: "POST", target: "/api/orders" };

const timestampHeader = fc.oneof(
  fc.constant<string | null>(null),
  headerValue,
  fc.integer({ min: NOW - 1_000, max: NOW + 1_000 }).map(String),
  fc.integer({ min: 0, max: 2 ** 53 }).map(String),
  fc.constantFrom("", " ", "-1", "1e9", "0x6B49D200", `${NOW}.5`, ` ${NOW}`, `${NOW} `, "9".repeat(13), "١٢٣"),
);

const hex = (n: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789abcdefABCDEF"), minLength: n, maxLength: n });

const signatureHeader = fc.oneof(
  fc.constant<string | null>(null),
  headerValue,
  hex(64).map((h) => `sha256=${h}`),
  fc
    .integer({ min: 0, max: 130 })
    .chain((n) => hex(n))
    .map((h) => `sha256=${h}`),
  hex(64).map((h) => `SHA256=${h}`),
  hex(64),
  fc.constantFrom("sha256=", "sha256", "sha1=abc", "sha256= ", `sha256=${"g".repeat(64)}`),
);

describe("fuzz: verifySignature (X-Signature / X-Signature-Timestamp)", () => {
  it("never throws on any header pair and body (fixed nonce and target); accepts only a matching HMAC inside the window", () => {
    fc.assert(
      fc.property(timestampHeader, signatureHeader, fc.string({ unit: "binary", maxLength: 300 }), (ts, sig, body) => {
        const check = counter.pure(() =>
          verifySignature({
            secret: SECRET,
            timestamp: ts,
            nonce: NONCE,
            signature: sig,
            ...TARGET,
            rawBody: body,
            toleranceSeconds: TOLERANCE,
            nowSeconds: NOW,
          }),
        );
        if (check.ok) {
          expect(Math.abs(NOW - Number(ts))).toBeLessThanOrEqual(TOLERANCE);
          expect(sig?.trim().slice(7).toLowerCase()).toBe(
            computeSignature(SECRET, { ...TARGET, timestamp: ts ?? "", nonce: NONCE, body }),
          );
        } else {
          expect(["MISSING_SIGNATURE", "INVALID_SIGNATURE", "STALE_SIGNATURE"]).toContain(check.reason);
        }
      }),
      { numRuns: runs(3_000) },
    );
  });

  it("a correctly signed body verifies; any change to body, timestamp or secret does not", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 300 }),
        fc.integer({ min: -TOLERANCE, max: TOLERANCE }),
        fc.string({ unit: "binary", minLength: 1, maxLength: 5 }),
        (body, skew, extra) => {
          const headers = signatureHeaders(SECRET, { ...TARGET, body }, { nowSeconds: NOW + skew });
          const verify = (over: Partial<Parameters<typeof verifySignature>[0]>) =>
            counter.pure(() =>
              verifySignature({
                secret: SECRET,
                timestamp: headers["X-Signature-Timestamp"]!,
                nonce: headers["X-Signature-Nonce"]!,
                signature: headers["X-Signature"]!,
                ...TARGET,
                rawBody: body,
                toleranceSeconds: TOLERANCE,
                nowSeconds: NOW,
                ...over,
              }),
            );
          expect(verify({}).ok).toBe(true);
          expect(verify({ rawBody: body + extra }).ok).toBe(false);
          expect(verify({ secret: `${SECRET}x` }).ok).toBe(false);
          expect(verify({ target: "/api/orders/x" }).ok).toBe(false);
          expect(verify({ method: "GET" }).ok).toBe(false);
          expect(verify({ nowSeconds: NOW + skew + TOLERANCE + 1 }).ok).toBe(false);
        },
      ),
      { numRuns: runs(500) },
    );
  });
});

const callbackLike = fc.oneof(
  anyValue,
  fc.record({ data: anyValue }),
  fc.record(
    {
      data: fc.record(
        { paymentId: anyValue, externalId: anyValue, status: anyValue, amount: anyValue },
        { requiredKeys: [] },
      ),
      extra: anyValue,
    },
    { requiredKeys: ["data"] },
  ),
  fc.record({ data: fc.record({ paymentId: nastyString, externalId: nastyString, status: nastyString }) }),
);

describe("fuzz: Kaspi callback parser (ecomCallbackSchema)", () => {
  it("never throws; whatever it accepts has non-empty, bounded string fields", () => {
    fc.assert(
      fc.property(callbackLike, (value) => {
        const parsed = counter.pure(() => ecomCallbackSchema.safeParse(value));
        if (parsed.success) {
          const { paymentId, externalId, status } = parsed.data.data;
          for (const [v, max] of [
            [paymentId, 100],
            [externalId, 200],
            [status, 50],
          ] as const) {
            expect(typeof v).toBe("string");
            expect(v.length).toBeGreaterThan(0);
            expect(v.length).toBeLessThanOrEqual(max);
          }
        }
      }),
      { numRuns: runs(3_000) },
    );
  });
});

describe("fuzz: order intake parser (orderIntakeSchema)", () => {
  it("never throws on any JSON value", () => {
    const orderLike = fc.oneof(
      anyValue,
      fc.record(
        {
          externalId: fc.oneof(nastyString, fc.stringMatching(/^[A-Za-z0-9_.:/#-]{1,100}$/)),
          amount: anyValue,
          currency: fc.oneof(fc.constant("KZT"), nastyString),
          phone: nastyString,
          description: nastyString,
          returnUrl: fc.oneof(fc.webUrl(), nastyString),
          lang: fc.oneof(fc.constantFrom("ru", "kk", "kz", "KZ", "en", "EN"), nastyString),
          accountNumber: nastyString,
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(orderLike, (value) => {
        counter.pure(() => orderIntakeSchema.safeParse(value));
      }),
      { numRuns: runs(1_000) },
    );
  });
});
