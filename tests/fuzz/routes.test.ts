import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { POST as postPaymentRoute } from "@/app/api/checkout/[token]/payment/route";
import { GET as getStatusRoute } from "@/app/api/checkout/[token]/status/route";
import { POST as postCallbackRoute } from "@/app/api/kaspi/callback/route";
import { GET as getOrderRoute } from "@/app/api/orders/[externalId]/route";
import { POST as postOrderRoute } from "@/app/api/orders/route";
import { signatureHeaders } from "@/lib/bitrix-onprem/signature";
import { setKaspiGatewayForTests } from "@/lib/container";
import { db } from "@/lib/db";
import { env, resetEnvForTests } from "@/lib/env";
import type { KaspiStatus } from "@/lib/kaspi/gateway";
import { createFakeKaspiGateway, type FakeKaspiGateway } from "@/tests/support/fake-kaspi-gateway";
import { BASE, createOrder, latestPayment, nowSeconds, params, postPayment } from "../helpers";
import { anyValue, bodyText, contentType, expectSane, FuzzCounter, headerValue, nastyString, runs } from "./support";

// Thousands of cases per property: allow minutes on a loaded 2-core machine, not 20 s.
vi.setConfig({ testTimeout: 240_000 });

// Reliability scenario 6, routes: arbitrary bodies and headers through the real route handlers
// (in-process, each test file on its own SQLite database, Kaspi faked). Never a 5xx, never a
// throw, always the JSON error shape; and a callback moves a payment to PAID only when Kaspi's
// GET says so for the same amount.

const counter = new FuzzCounter("routes");
/** Generous: these machines are often busy, and each case is a real handler on a real database. */
const TIMEOUT = 180_000;
let fake: FakeKaspiGateway;

beforeAll(() => {
  // A short Kaspi timeout keeps "wait for the creation in flight" cheap when the fuzz hits one.
  process.env.KASPI_TIMEOUT_MS = "200";
  resetEnvForTests();
  fake = createFakeKaspiGateway({ createDelayMs: 0 });
  setKaspiGatewayForTests(fake);
});
afterAll(() => {
  counter.report();
  setKaspiGatewayForTests(undefined);
});

type Signing = "valid" | "stale" | "future" | "garbage" | "missing" | "other-secret";
const signing = fc.constantFrom<Signing>(
  "valid",
  "valid",
  "valid",
  "stale",
  "future",
  "garbage",
  "missing",
  "other-secret",
);

function signed(kind: Signing, raw: string, method = "POST", target = "/api/orders"): Record<string, string> {
  const secret = env().BITRIX_SHARED_SECRET;
  const req = { method, target, body: raw };
  switch (kind) {
    case "valid":
      return signatureHeaders(secret, req);
    case "stale":
      return signatureHeaders(secret, req, { nowSeconds: nowSeconds() - 301 });
    case "future":
      return signatureHeaders(secret, req, { nowSeconds: nowSeconds() + 301 });
    case "other-secret":
      return signatureHeaders(`${secret}-other`, req);
    case "garbage":
      return {
        "X-Signature-Timestamp": String(nowSeconds()),
        "X-Signature-Nonce": "garbage-nonce-0123456789",
        "X-Signature": "sha256=" + "0".repeat(64),
      };
    case "missing":
      return {};
  }
}

function request(
  path: string,
  init: { method: string; body?: string; contentType?: string; headers?: Record<string, string> },
) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.contentType !== undefined) headers["Content-Type"] = init.contentType;
  return new Request(`${BASE}${path}`, {
    method: init.method,
    headers,
    ...(init.body === undefined ? {} : { body: init.body }),
  });
}

const extraHeaders = fc.dictionary(
  fc.constantFrom(
    "X-Signature",
    "X-Signature-Timestamp",
    "Content-Length",
    "X-Forwarded-For",
    "X-Request-Id",
    "Cookie",
    "Origin",
  ),
  headerValue,
  { maxKeys: 2 },
);

const orderBodyArb = fc.oneof(
  { weight: 2, arbitrary: bodyText },
  {
    weight: 5,
    arbitrary: fc
      .record(
        {
          externalId: fc.oneof(fc.stringMatching(/^[A-Za-z0-9_.:/#-]{1,100}$/), nastyString),
          amount: fc.oneof(fc.integer({ min: -10, max: 6_000_000 }), anyValue),
          currency: fc.oneof(fc.constant("KZT"), nastyString),
          phone: fc.oneof(fc.constantFrom("+7 701 234 56 78", "87012345678", "+1 555 0100"), nastyString),
          description: nastyString,
          returnUrl: fc.oneof(fc.webUrl(), nastyString),
          lang: fc.oneof(fc.constantFrom("ru", "kk", "kz", "EN"), nastyString),
          accountNumber: nastyString,
          extra: anyValue,
        },
        { requiredKeys: [] },
      )
      .map((o) => JSON.stringify(o)),
  },
);

describe("fuzz: POST /api/orders", () => {
  it(
    "any body, signature and headers → < 500, JSON; 2xx only for a valid, signed order",
    async () => {
      await fc.assert(
        fc.asyncProperty(orderBodyArb, signing, contentType, extraHeaders, async (raw, sign, type, extra) => {
          const headers = { ...extra, ...signed(sign, raw) };
          delete headers["Content-Length"];
          const res = await counter.call(() =>
            postOrderRoute(
              request("/api/orders", {
                method: "POST",
                body: raw,
                ...(type === undefined ? {} : { contentType: type }),
                headers,
              }),
            ),
          );
          const body = await expectSane(res);
          if (res.status < 300) {
            expect(sign).toBe("valid");
            expect(typeof body.orderId).toBe("string");
            const amount = (JSON.parse(raw) as { amount: unknown }).amount;
            expect(Number.isInteger(amount) && (amount as number) >= 100 && (amount as number) <= 5_000_000).toBe(true);
          }
        }),
        { numRuns: runs(700) },
      );
    },
    TIMEOUT,
  );
});

describe("fuzz: GET /api/orders/{externalId}", () => {
  it(
    "any path segment and signature → < 500, JSON",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(nastyString, fc.stringMatching(/^[A-Za-z0-9_.:/#%-]{1,120}$/)),
          signing,
          async (segment, sign) => {
            const res = await counter.call(() =>
              getOrderRoute(
                request(`/api/orders/x`, { method: "GET", headers: signed(sign, "", "GET", "/api/orders/x") }),
                params({ externalId: segment }),
              ),
            );
            await expectSane(res);
          },
        ),
        { numRuns: runs(400) },
      );
    },
    TIMEOUT,
  );
});

/** Orders the checkout and callback properties aim at (besides random tokens and ids). */
type Target = { token: string; orderId: string; externalId: string; amount: number };
const targets: Target[] = [];

async function freshTarget(): Promise<Target> {
  const order = await createOrder({ amount: 1_000 + targets.length });
  targets.push(order);
  return order;
}

describe("fuzz: POST /api/checkout/{token}/payment and GET …/status", () => {
  beforeAll(async () => {
    for (let i = 0; i < 4; i++) await freshTarget();
  });

  const token = fc.oneof(
    fc.integer({ min: 0, max: 3 }).map((i) => ({ known: i })),
    fc.oneof(nastyString, fc.stringMatching(/^[A-Za-z0-9_-]{16,64}$/)).map((t) => ({ raw: t })),
  );
  const paymentBody = fc.oneof(
    fc.constant<string | undefined>(undefined),
    bodyText,
    fc.record({ retryOf: anyValue }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
    fc
      .record(
        { retryOf: fc.integer({ min: -1, max: 5 }), amount: anyValue, externalId: anyValue },
        { requiredKeys: [] },
      )
      .map((o) => JSON.stringify(o)),
  );

  it(
    "payment: any token, body and content type → < 500, JSON; the charged amount is the order's",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          token,
          paymentBody,
          contentType,
          fc.constantFrom<KaspiStatus | null>(null, null, "FAILED", "EXPIRED", "PAID"),
          async (t, raw, type, settle) => {
            const target = "known" in t ? targets[t.known] : undefined;
            const tok = target?.token ?? ("raw" in t ? t.raw : "");
            const res = await counter.call(() =>
              postPaymentRoute(
                request(`/api/checkout/x/payment`, {
                  method: "POST",
                  ...(raw === undefined ? {} : { body: raw }),
                  ...(type === undefined ? {} : { contentType: type }),
                }),
                params({ token: tok }),
              ),
            );
            await expectSane(res);
            if (target) {
              // Every Kaspi payment made for this order is for its amount, under its own externalId.
              for (const c of fake.created.filter((c) => c.deviceId === target.orderId)) {
                expect(c.amount).toBe(target.amount);
                expect(c.externalId === target.externalId || c.externalId.startsWith(`${target.externalId}#`)).toBe(
                  true,
                );
              }
              // Move the order on now and then, so retries and final states get fuzzed too.
              const latest = await db().payment.findFirst({
                where: { orderId: target.orderId },
                orderBy: { attempt: "desc" },
              });
              if (settle && latest?.kaspiPaymentId && latest.status === "PENDING") {
                fake.setStatus(latest.kaspiPaymentId, settle);
                const cb = {
                  data: { paymentId: latest.kaspiPaymentId, externalId: latest.kaspiExternalId, status: "X" },
                };
                await postCallbackRoute(
                  request("/api/kaspi/callback", {
                    method: "POST",
                    body: JSON.stringify(cb),
                    contentType: "application/json",
                  }),
                );
              }
            }
          },
        ),
        { numRuns: runs(400) },
      );
    },
    TIMEOUT,
  );

  it(
    "status: any token → < 500, JSON",
    async () => {
      await fc.assert(
        fc.asyncProperty(token, async (t) => {
          const tok = "known" in t ? (targets[t.known]?.token ?? "") : t.raw;
          const res = await counter.call(() =>
            getStatusRoute(request(`/api/checkout/x/status`, { method: "GET" }), params({ token: tok })),
          );
          const body = await expectSane(res);
          if ("known" in t) expect(res.status).toBe(200);
          else if (res.status === 200) expect(typeof body.status).toBe("string");
        }),
        { numRuns: runs(500) },
      );
    },
    TIMEOUT,
  );
});

describe("fuzz: POST /api/kaspi/callback", () => {
  type Open = { kaspiPaymentId: string; kaspiExternalId: string; paymentId: string; amount: number };
  const open: Open[] = [];

  async function openOne(): Promise<void> {
    const order = await createOrder({ amount: 2_000 + open.length });
    await postPayment(order.token);
    const p = await latestPayment(order.orderId);
    open.push({
      kaspiPaymentId: p.kaspiPaymentId ?? "",
      kaspiExternalId: p.kaspiExternalId,
      paymentId: p.id,
      amount: p.amount,
    });
  }

  beforeAll(async () => {
    for (let i = 0; i < 6; i++) await openOne();
  });

  const kaspiMove = fc.oneof(
    { weight: 4, arbitrary: fc.constant({ kind: "none" as const }) },
    {
      weight: 3,
      arbitrary: fc
        .constantFrom<KaspiStatus>("PENDING", "PAID", "FAILED", "EXPIRED", "CANCELLED")
        .map((status) => ({ kind: "status" as const, status })),
    },
    { weight: 1, arbitrary: fc.integer({ min: -5, max: 5 }).map((delta) => ({ kind: "amount" as const, delta })) },
    { weight: 1, arbitrary: fc.constant({ kind: "unavailable" as const }) },
    { weight: 1, arbitrary: fc.constant({ kind: "fresh" as const }) },
  );

  const callbackBody = (target: Open) =>
    fc.oneof(
      { weight: 2, arbitrary: bodyText },
      {
        weight: 6,
        arbitrary: fc
          .record({
            paymentId: fc.oneof(fc.constant(target.kaspiPaymentId), nastyString, anyValue),
            externalId: fc.oneof(fc.constant(target.kaspiExternalId), nastyString, anyValue),
            status: fc.oneof(
              fc.constantFrom("COMPLETED", "FAILED", "EXPIRED", "PENDING", "WAIT", "CANCELLED"),
              nastyString,
              anyValue,
            ),
          })
          .map((data) => JSON.stringify({ data })),
      },
    );

  it(
    "any body, any Kaspi answer → < 500 (503 only while Kaspi is unreachable); PAID only when Kaspi's GET says so",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 1_000 }),
          kaspiMove,
          contentType,
          fc.integer({ min: 0, max: 2 ** 31 }),
          async (pickIndex, move, type, seed) => {
            if (move.kind === "fresh") await openOne();
            const target = open[pickIndex % open.length]!;
            if (move.kind === "status") fake.setStatus(target.kaspiPaymentId, move.status);
            if (move.kind === "amount") fake.setAmount(target.kaspiPaymentId, target.amount + move.delta);
            if (move.kind === "unavailable") fake.failNextGet();
            const [raw] = fc.sample(callbackBody(target), { numRuns: 1, seed });
            const before = await db().payment.findUniqueOrThrow({ where: { id: target.paymentId } });
            const kaspiDown = move.kind === "unavailable";
            const res = await counter.call(
              () =>
                postCallbackRoute(
                  request("/api/kaspi/callback", {
                    method: "POST",
                    body: raw!,
                    ...(type === undefined ? {} : { contentType: type }),
                  }),
                ),
              { kaspiDown },
            );
            await expectSane(res, { kaspiDown });
            const after = await db().payment.findUniqueOrThrow({ where: { id: target.paymentId } });
            if (before.status !== "PAID" && after.status === "PAID") {
              const kaspi = fake.payments().get(target.kaspiPaymentId);
              expect(kaspi?.status).toBe("PAID");
              expect(kaspi?.amount).toBe(target.amount);
            }
            // A queued GET failure the callback never used (it was refused earlier) must not leak on.
            if (move.kind === "unavailable") await fake.getPayment("drain");
          },
        ),
        { numRuns: runs(500) },
      );
    },
    TIMEOUT,
  );
});
