import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { reply, startRecordingServer, type Handler, type Seen } from "@/tests/support/recording-server";
import { createQrGateway, createQrSetup, type QrGatewayConfig } from "./qr-gateway";
import { QR_ERRORS } from "./qr-errors";
import { QR_STATUSES } from "./qr-schemas";
import { mapQrStatus } from "./qr-status";

// The Kaspi QR gateway against a real HTTP server on loopback: scheme headers, the envelope, every
// documented error code and every status.

const API_KEY = "qr-api-key-MUST-NOT-LEAK";

let kaspi: Awaited<ReturnType<typeof startRecordingServer>>;
let baseUrl: string;
let seen: Seen[] = [];
let handler: Handler = (_r, res) => res.writeHead(500).end();

const envelope = (res: Parameters<Handler>[1], body: unknown, status = 200) => reply(res, status, body);

beforeAll(async () => {
  kaspi = await startRecordingServer();
  kaspi.handle((req, res) => handler(req, res));
  seen = kaspi.seen;
  baseUrl = `${kaspi.origin}/r1/v01/`;
});
afterAll(() => kaspi.close());
beforeEach(() => {
  seen.length = 0;
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
    ["Data of the wrong shape", { StatusCode: 0, Data: { Status: 5 } }],
    ["Data without Status", { StatusCode: 0, Data: {} }],
  ])("%s → invalid_response", async (_name, body) => {
    handler = (_r, res) => envelope(res, body);
    const r = await gateway().getPayment("1");
    expect(r).toMatchObject({ ok: false, error: { kind: "invalid_response" } });
  });
});

// docs/kaspi.md §4 (statuses) and §2 (v01 payment/status answers Status only; v02 is [3P]).
describe("payment/status — docs/kaspi.md §2, §4", () => {
  const expected = {
    QrTokenCreated: { status: "PENDING", stage: "awaiting_scan" },
    Wait: { status: "PENDING", stage: "awaiting_confirmation" },
    Processed: { status: "PAID" },
    Error: { status: "FAILED" },
  } as const;
  it.each(QR_STATUSES.map((s) => [s, expected[s]] as const))(
    "v01 %s → %o, from Status alone",
    async (status, mapped) => {
      expect(mapQrStatus(status)).toEqual(mapped);
      handler = (_r, res) => envelope(res, { StatusCode: 0, Data: { Status: status } });
      const r = await gateway().getPayment("15");
      expect(seen.at(-1)?.url).toBe("/r1/v01/payment/status/15");
      expect(r).toEqual({ ok: true, value: { kaspiPaymentId: "15", rawStatus: status, ...mapped } });
    },
  );

  it("v01 ignores v02 fields even when a server sends them (Amount is not trusted from v01)", async () => {
    handler = (_r, res) =>
      envelope(res, { StatusCode: 0, Data: { Status: "Processed", Amount: 1, TransactionId: 9, LoanOfferName: "X" } });
    const r = await gateway().getPayment("15");
    expect(r.ok && r.value).toEqual({ kaspiPaymentId: "15", status: "PAID", rawStatus: "Processed" });
  });

  it("an undocumented status is kept pending and flagged, not an invalid response", async () => {
    handler = (_r, res) => envelope(res, { StatusCode: 0, Data: { Status: "QrTokenDiscarded" } });
    const r = await gateway().getPayment("15");
    expect(r.ok && r.value).toEqual({
      kaspiPaymentId: "15",
      status: "PENDING",
      rawStatus: "QrTokenDiscarded",
      unknownStatus: true,
    });
  });

  it("KASPI_QR_STATUS_VERSION=v02: GET …/v02/payment/status and read the loan and transaction fields", async () => {
    handler = (_r, res) =>
      envelope(res, {
        StatusCode: 0,
        Data: { Status: "Processed", TransactionId: 99, Amount: 12_500, LoanOfferName: "Kaspi Red", LoanTerm: 12 },
      });
    const r = await gateway({ statusVersion: "v02" }).getPayment("15");
    expect(seen.at(-1)?.url).toBe("/r1/v02/payment/status/15");
    expect(r.ok && r.value).toMatchObject({
      status: "PAID",
      amount: 12_500,
      transactionId: "99",
      loan: { offerName: "Kaspi Red", term: 12 },
    });
  });
});

// docs/kaspi.md §3 (dates, deadlines): a `+06` ExpireDate is read, and the QR's own deadline wins.
describe("deadlines from qr/create — docs/kaspi.md §3", () => {
  it("ExpireDate in the declared `+06` form; expiry = min(ExpireDate, now + QrCodeScanWaitTimeout)", async () => {
    const far = "2099-01-01T10:00:00+06";
    handler = (_r, res) =>
      envelope(res, {
        StatusCode: 0,
        Data: {
          QrToken: "t",
          ExpireDate: far,
          QrPaymentId: 1,
          QrPaymentBehaviorOptions: { QrCodeScanWaitTimeout: 120 },
        },
      });
    const before = Date.now();
    const r = await gateway().createPayment(input);
    const at = r.ok ? (r.value.expiresAt?.getTime() ?? 0) : 0;
    expect(at - before).toBeGreaterThanOrEqual(120_000);
    expect(at - before).toBeLessThan(125_000);
  });

  it("an unreadable ExpireDate falls back to the scan window, never 15 minutes", async () => {
    handler = (_r, res) => envelope(res, { StatusCode: 0, Data: { QrToken: "t", ExpireDate: "soon", QrPaymentId: 1 } });
    const before = Date.now();
    const r = await gateway().createPayment(input);
    const at = r.ok ? (r.value.expiresAt?.getTime() ?? 0) : 0;
    expect(at - before).toBeLessThan(185_000);
  });

  it("links use LinkActivationWaitTimeout", async () => {
    handler = (_r, res) =>
      envelope(res, {
        StatusCode: 0,
        Data: {
          PaymentLink: "https://pay.kaspi.kz/pay/123",
          ExpireDate: "2099-01-01T10:00:00.1234567+05:00",
          PaymentId: 2,
          PaymentBehaviorOptions: { StatusPollingInterval: 5, LinkActivationWaitTimeout: 90 },
        },
      });
    const r = await gateway().createPayment({ ...input, device: "mobile" });
    expect(r.ok && r.value.meta).toMatchObject({ presentation: "link", scanWaitMs: 90_000, pollIntervalMs: 5000 });
  });
});

// docs/kaspi.md §1 (refund via API per scheme), §2 (payment/details, payment/return, return/*).
describe("refunds per scheme — docs/kaspi.md §1, §2", () => {
  it("r1 has no refund call: refused without a request, and refundSupport says why", async () => {
    const g = gateway();
    expect(g.refundSupport).toEqual({ supported: false, reason: expect.stringContaining("Kaspi Pay app") as unknown });
    const r = await g.refund({ kaspiPaymentId: "15", amount: 500, refundId: "rf_1" });
    expect(r).toMatchObject({ ok: false, error: { kind: "rejected" } });
    expect(seen).toHaveLength(0);
  });

  it("r3: payment/details first, then payment/return with DeviceToken, QrPaymentId, Amount, OrganizationBin", async () => {
    handler = (req, res) =>
      req.url.startsWith("/r1/v01/payment/details")
        ? envelope(res, { StatusCode: 0, Data: { QrPaymentId: 15, TotalAmount: 1000, AvailableReturnAmount: 600 } })
        : envelope(res, { StatusCode: 0, Data: { ReturnOperationId: 555 } });
    const g = gateway({ scheme: "r3", organizationBin: "123456789012" });
    const r = await g.refund({ kaspiPaymentId: "15", amount: 500, refundId: "rf_1" });
    expect(seen.map((x) => x.url.split("?")[0])).toEqual(["/r1/v01/payment/details", "/r1/v01/payment/return"]);
    expect(seen[0]?.url).toContain("QrPaymentId=15&DeviceToken=dev-token");
    expect(JSON.parse(seen[1]?.body ?? "")).toEqual({
      DeviceToken: "dev-token",
      QrPaymentId: 15,
      Amount: 500,
      OrganizationBin: "123456789012",
    });
    expect(r).toEqual({ ok: true, value: { kaspiRefundId: "555" } });
  });

  it("r3: never more than AvailableReturnAmount (refused before payment/return)", async () => {
    handler = (_r, res) =>
      envelope(res, { StatusCode: 0, Data: { QrPaymentId: 15, TotalAmount: 1000, AvailableReturnAmount: 400 } });
    const r = await gateway({ scheme: "r3", organizationBin: "123456789012" }).refund({
      kaspiPaymentId: "15",
      amount: 500,
      refundId: "rf_1",
    });
    expect(r).toMatchObject({ ok: false, error: { kind: "rejected", code: "-99000005" } });
    expect(seen).toHaveLength(1);
  });

  it("r3: -99000020 (partial refund impossible) is a rejection the merchant can read", async () => {
    handler = (req, res) =>
      req.url.startsWith("/r1/v01/payment/details")
        ? envelope(res, { StatusCode: 0, Data: { QrPaymentId: 15, TotalAmount: 1000, AvailableReturnAmount: 1000 } })
        : envelope(res, { StatusCode: -99000020 });
    const r = await gateway({ scheme: "r3", organizationBin: "123456789012" }).refund({
      kaspiPaymentId: "15",
      amount: 500,
      refundId: "rf_1",
    });
    expect(r).toMatchObject({
      ok: false,
      error: { kind: "rejected", message: expect.stringMatching(/partial refund/) as unknown },
    });
  });

  it("r2: return/create gives a return QR; return/status → ready at CustomerIdentityObtained", async () => {
    handler = (req, res) =>
      req.url.includes("return/create")
        ? envelope(res, {
            StatusCode: 0,
            Data: {
              QrToken: "RETURN-QR",
              ExpireDate: "2099-01-01T10:00:00+06",
              QrReturnId: 77,
              QrReturnBehaviorOptions: { QrCodeScanEventPollingInterval: 5 },
            },
          })
        : envelope(res, { StatusCode: 0, Data: { Status: "CustomerIdentityObtained" } });
    const g = gateway({ scheme: "r2" });
    expect(g.refundSupport).toMatchObject({ supported: true, flow: "return-qr" });
    const qr = await g.returnQr!.createReturnQr({ externalId: "rf_1" });
    expect(qr.ok && qr.value).toMatchObject({ qrReturnId: "77", qrToken: "RETURN-QR", pollIntervalMs: 5000 });
    const st = await g.returnQr!.getReturnQr("77");
    expect(seen[1]?.url).toBe("/r1/v01/return/status/77");
    expect(st.ok && st.value).toEqual({ rawStatus: "CustomerIdentityObtained", ready: true, final: true });
  });

  it("r2: return/operations, payment/details, then payment/return with QrReturnId; without a return QR, refused", async () => {
    handler = (req, res) => {
      if (req.url.includes("return/operations"))
        return envelope(res, {
          StatusCode: 0,
          Data: [{ QrPaymentId: 15, Amount: 1000, TransactionDate: "2021-11-3T11:55:14.166+06:00" }],
        });
      if (req.url.includes("payment/details"))
        return envelope(res, {
          StatusCode: 0,
          Data: { QrPaymentId: 15, TotalAmount: 1000, AvailableReturnAmount: 1000 },
        });
      return envelope(res, { StatusCode: 0, Data: { ReturnOperationId: 9 } });
    };
    const g = gateway({ scheme: "r2" });
    expect(await g.refund({ kaspiPaymentId: "15", amount: 500, refundId: "rf_1" })).toMatchObject({ ok: false });
    expect(seen).toHaveLength(0);
    const r = await g.refund({ kaspiPaymentId: "15", amount: 500, refundId: "rf_1", qrReturnId: "77" });
    expect(seen.map((x) => x.url.split("?")[0])).toEqual([
      "/r1/v01/return/operations",
      "/r1/v01/payment/details",
      "/r1/v01/payment/return",
    ]);
    expect(JSON.parse(seen[2]?.body ?? "")).toEqual({
      DeviceToken: "dev-token",
      QrPaymentId: 15,
      QrReturnId: 77,
      Amount: 500,
    });
    expect(r).toEqual({ ok: true, value: { kaspiRefundId: "9" } });
  });
});

// docs/kaspi.md §2 (remote/client-info, remote/create, remote/cancel; r3 only), §3 (PhoneNumber form).
describe("remote invoices (r3) — docs/kaspi.md §2", () => {
  it("client-info, create and cancel with Kaspi's phone form and OrganizationBin", async () => {
    handler = (req, res) => {
      if (req.url.includes("client-info")) return envelope(res, { StatusCode: 0, Data: { ClientName: "Айгерим К." } });
      if (req.url.includes("remote/create")) return envelope(res, { StatusCode: 0, Data: { QrPaymentId: 321 } });
      return envelope(res, { StatusCode: 0, Data: { Status: "RemotePaymentCanceled" } });
    };
    const g = gateway({ scheme: "r3", organizationBin: "123456789012" });
    expect(gateway().remoteInvoice).toBeUndefined();
    const who = await g.remoteInvoice!.clientInfo("+77071234567");
    expect(seen[0]?.url).toBe("/r1/v01/remote/client-info?PhoneNumber=87071234567&DeviceToken=dev-token");
    expect(who).toEqual({ ok: true, value: { clientName: "Айгерим К." } });
    const made = await g.remoteInvoice!.createInvoice({ phone: "+77071234567", amount: 12_500, comment: "Order 5" });
    expect(JSON.parse(seen[1]?.body ?? "")).toEqual({
      Amount: 12_500,
      PhoneNumber: "87071234567",
      DeviceToken: "dev-token",
      Comment: "Order 5",
      OrganizationBin: "123456789012",
    });
    expect(made).toEqual({ ok: true, value: { kaspiPaymentId: "321" } });
    const cancelled = await g.remoteInvoice!.cancelInvoice("321");
    expect(JSON.parse(seen[2]?.body ?? "")).toMatchObject({ QrPaymentId: 321, OrganizationBin: "123456789012" });
    expect(cancelled).toEqual({ ok: true, value: { rawStatus: "RemotePaymentCanceled" } });
  });
});

// docs/kaspi.md §2 (device/delete, health/ping), §3 (DeviceId rule).
describe("set-up calls — docs/kaspi.md §2, §3", () => {
  it("device/delete sends the DeviceToken; health/ping is a GET", async () => {
    handler = (_r, res) => envelope(res, { StatusCode: 0 });
    const setup = createQrSetup({ baseUrl, scheme: "r1", apiKey: "k", timeoutMs: 500 });
    expect(await setup.deleteDevice("tok")).toMatchObject({ ok: true });
    expect(await setup.ping()).toMatchObject({ ok: true });
    expect(seen.map((x) => `${x.method} ${x.url}`)).toEqual(["POST /r1/v01/device/delete", "GET /r1/v01/health/ping"]);
    expect(JSON.parse(seen[0]?.body ?? "")).toEqual({ DeviceToken: "tok" });
  });
});
