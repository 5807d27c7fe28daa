import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createQrGateway, createQrSetup, type QrGatewayConfig } from "./qr-gateway";
import { QR_ERRORS } from "./qr-errors";
import { QR_STATUSES } from "./qr-schemas";
import { mapQrStatus } from "./qr-status";

// The Kaspi QR gateway against a real HTTP server on loopback: scheme headers, the envelope, every
// documented error code and every status.

const API_KEY = "qr-api-key-MUST-NOT-LEAK";
type Seen = { method: string; url: string; headers: IncomingMessage["headers"]; body: string };

let server: Server;
let baseUrl: string;
let seen: Seen[] = [];
let handler: (req: Seen, res: ServerResponse) => void = (_r, res) => res.writeHead(500).end();

const envelope = (res: ServerResponse, body: unknown, status = 200) => {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const s = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      seen.push(s);
      handler(s, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/r1/v01/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  seen = [];
});

function gateway(over: Partial<QrGatewayConfig> = {}) {
  return createQrGateway({ baseUrl, scheme: "r1", apiKey: API_KEY, deviceToken: "dev-token", timeoutMs: 500, ...over });
}
const input = {
  externalId: "B-1",
  amount: 12_500,
  description: "d",
  callbackUrl: "http://app.test/cb",
  deviceId: "ord_1",
};

describe("qr/create and qr/create-link", () => {
  it("desktop: POSTs qr/create with DeviceToken, Amount, ExternalId, Api-Key and a fresh X-Request-ID", async () => {
    handler = (_r, res) =>
      envelope(res, {
        StatusCode: 0,
        Message: "",
        Data: {
          QrToken: "51236903777280167836178166503744993",
          ExpireDate: "2026-11-27T21:52:52.8893962+06:00",
          QrPaymentId: 15,
          PaymentMethods: ["Gold", { LoanOfferName: "Kaspi Red", LoanTerm: 3 }],
          QrPaymentBehaviorOptions: {
            StatusPollingInterval: 3,
            QrCodeScanWaitTimeout: 180,
            PaymentConfirmationTimeout: 65,
          },
        },
      });
    const g = gateway();
    const a = await g.createPayment({ ...input, device: "desktop" });
    await g.createPayment({ ...input, device: "desktop" });
    expect(seen[0]?.url).toBe("/r1/v01/qr/create");
    expect(JSON.parse(seen[0]?.body ?? "")).toEqual({ DeviceToken: "dev-token", Amount: 12_500, ExternalId: "B-1" });
    expect(seen[0]?.headers["api-key"]).toBe(API_KEY);
    expect(seen[0]?.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen[1]?.headers["x-request-id"]).not.toBe(seen[0]?.headers["x-request-id"]);
    expect(a.ok && a.value).toMatchObject({
      kaspiPaymentId: "15",
      qr: { format: "text", value: "51236903777280167836178166503744993" },
      loan: { offerName: "Kaspi Red", term: 3 },
      meta: { presentation: "qr", pollIntervalMs: 3000, scanWaitMs: 180_000, confirmMs: 65_000 },
    });
    expect(a.ok && a.value.expiresAt?.toISOString()).toBe("2026-11-27T15:52:52.889Z");
    expect(JSON.stringify(a)).not.toContain(API_KEY);
  });

  it("mobile: POSTs qr/create-link and returns the PaymentLink", async () => {
    handler = (_r, res) =>
      envelope(res, {
        StatusCode: 0,
        Data: { PaymentLink: "https://pay.kaspi.kz/pay/abc", ExpireDate: "2026-11-27T21:52:52+06:00", PaymentId: 16 },
      });
    const r = await gateway().createPayment({ ...input, device: "mobile" });
    expect(seen[0]?.url).toBe("/r1/v01/qr/create-link");
    expect(r.ok && r.value).toMatchObject({
      kaspiPaymentId: "16",
      paymentLink: "https://pay.kaspi.kz/pay/abc",
      meta: { presentation: "link" },
    });
  });

  it("r3 adds OrganizationBin to every body and sends no Api-Key", async () => {
    handler = (_r, res) => envelope(res, { StatusCode: 0, Data: { DeviceToken: "t" } });
    const setup = createQrSetup({ baseUrl, scheme: "r3", organizationBin: "123456789012", timeoutMs: 500 });
    await setup.registerDevice({ deviceId: "app-1", tradePointId: 7 });
    expect(JSON.parse(seen[0]?.body ?? "")).toEqual({
      DeviceId: "app-1",
      TradePointId: 7,
      OrganizationBin: "123456789012",
    });
    expect(seen[0]?.headers["api-key"]).toBeUndefined();
    await setup.listTradePoints();
    expect(seen[1]?.url).toBe("/r1/v01/partner/tradepoints/123456789012");
  });
});

describe("every documented StatusCode becomes a typed, readable error", () => {
  const table = Object.entries(QR_ERRORS).map(([code, text]) => ({ code: Number(code), ...text }));
  it.each(table)("StatusCode $code → $kind: $en", async ({ code, kind, en }) => {
    handler = (_r, res) => envelope(res, { StatusCode: code, Message: "Kaspi's own words" });
    const r = await gateway().createPayment(input);
    expect(r).toEqual({ ok: false, error: { kind, message: `${en} (Kaspi ${code})`, code: String(code) } });
  });

  it("an unknown code keeps Kaspi's message and is a rejection", async () => {
    handler = (_r, res) => envelope(res, { StatusCode: -42, Message: "Something new" });
    const r = await gateway().getPayment("1");
    expect(r).toMatchObject({ ok: false, error: { kind: "rejected", message: "Kaspi QR error -42: Something new" } });
  });

  it.each([
    ["not an envelope", { data: {} }],
    ["Data of the wrong shape", { StatusCode: 0, Data: { Status: "Paid" } }],
  ])("%s → invalid_response", async (_name, body) => {
    handler = (_r, res) => envelope(res, body);
    const r = await gateway().getPayment("1");
    expect(r).toMatchObject({ ok: false, error: { kind: "invalid_response" } });
  });
});

describe("payment/status", () => {
  const expected = {
    QrTokenCreated: { status: "PENDING", stage: "awaiting_scan" },
    Wait: { status: "PENDING", stage: "awaiting_confirmation" },
    CustomerIdentityObtained: { status: "PENDING", stage: "awaiting_confirmation" },
    Processed: { status: "PAID" },
    Error: { status: "FAILED" },
  } as const;
  it.each(QR_STATUSES.map((s) => [s, expected[s]] as const))("%s → %o", async (status, mapped) => {
    expect(mapQrStatus(status)).toEqual(mapped);
    handler = (_r, res) =>
      envelope(res, {
        StatusCode: 0,
        Data: { Status: status, TransactionId: 99, Amount: 12_500, LoanOfferName: "Kaspi Red", LoanTerm: 12 },
      });
    const r = await gateway().getPayment("15");
    expect(seen.at(-1)?.url).toBe("/r1/v01/payment/status/15");
    expect(r.ok && r.value).toMatchObject({
      status: mapped.status,
      rawStatus: status,
      amount: 12_500,
      loan: { offerName: "Kaspi Red", term: 12 },
    });
  });
});

describe("payment/return", () => {
  it("sends DeviceToken, QrPaymentId (a number) and Amount; partial amounts allowed", async () => {
    handler = (_r, res) => envelope(res, { StatusCode: 0, Data: { ReturnOperationId: 555 } });
    const r = await gateway().refund({ kaspiPaymentId: "15", amount: 500, refundId: "rf_1" });
    expect(JSON.parse(seen[0]?.body ?? "")).toEqual({ DeviceToken: "dev-token", QrPaymentId: 15, Amount: 500 });
    expect(r).toEqual({ ok: true, value: { kaspiRefundId: "555" } });
  });
  it("-99000020 (partial refund impossible) is a rejection the merchant can read", async () => {
    handler = (_r, res) => envelope(res, { StatusCode: -99000020 });
    const r = await gateway().refund({ kaspiPaymentId: "15", amount: 500, refundId: "rf_1" });
    expect(r).toMatchObject({
      ok: false,
      error: { kind: "rejected", message: expect.stringMatching(/partial refund/) as unknown },
    });
  });
});
