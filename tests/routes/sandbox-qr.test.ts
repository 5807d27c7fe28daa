import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { GET, POST } from "@/app/sandbox/kaspi/qr/[scheme]/v01/[...path]/route";
import { db } from "@/lib/db";
import { resetEnvForTests } from "@/lib/env";
import { sandboxReturnScan } from "@/lib/sandbox/qr-returns-service";
import { sandboxQrScan } from "@/lib/sandbox/qr-service";
import { sandboxDecide } from "@/lib/sandbox/decide";
import { BASE, read } from "../helpers";

// The simulated Kaspi QR API through its real route: the envelope, each documented error code the
// sandbox can produce, and the status sequence QrTokenCreated → Wait → Processed, then returns.

beforeAll(() => {
  process.env.KASPI_PROTOCOL = "qr";
  resetEnvForTests();
});

type Env = { StatusCode: number; Message: string; Data?: Record<string, unknown> };
const headers = (scheme: string) => ({
  "Content-Type": "application/json",
  "X-Request-ID": randomUUID(),
  ...(scheme === "r1" ? { "Api-Key": "k" } : {}),
});

async function post(path: string, body: unknown, scheme = "r1") {
  const req = new Request(`${BASE}/sandbox/kaspi/qr/${scheme}/v01/${path}`, {
    method: "POST",
    headers: headers(scheme),
    body: JSON.stringify(body),
  });
  return read<Env>(await POST(req, params({ scheme, path: path.split("/") })));
}
async function get(path: string, scheme = "r1") {
  const req = new Request(`${BASE}/sandbox/kaspi/qr/${scheme}/v01/${path}`, { headers: headers(scheme) });
  return read<Env>(await GET(req, params({ scheme, path: (path.split("?")[0] ?? "").split("/") })));
}

const params = (value: { scheme: string; path: string[] }) => ({ params: Promise.resolve(value) });

const DEVICE = "sandbox-device-token";
const create = (over: Record<string, unknown> = {}, kind = "qr/create") =>
  post(kind, { DeviceToken: DEVICE, Amount: 12_500, ExternalId: randomUUID(), ...over });

describe("error codes", () => {
  it.each([
    { name: "unknown device", call: () => create({ DeviceToken: "nope" }), code: -1501 },
    { name: "zero amount", call: () => create({ Amount: 0 }), code: 990000028 },
    { name: "fractional amount", call: () => create({ Amount: 10.5 }), code: 990000028 },
    {
      name: "r3 without OrganizationBin",
      call: () => post("qr/create", { DeviceToken: DEVICE, Amount: 1, ExternalId: "x" }, "r3"),
      code: -10000,
    },
    {
      name: "unknown trade point",
      call: () => post("device/register", { DeviceId: "d1", TradePointId: 99 }),
      code: -99000002,
    },
    {
      name: "disabled trade point",
      call: () => post("device/register", { DeviceId: "d1", TradePointId: 2 }),
      code: 990000018,
    },
    { name: "unknown purchase status", call: () => get("payment/status/123"), code: -99000001 },
    {
      name: "DeviceId with a dot (docs/kaspi.md §3)",
      call: () => post("device/register", { DeviceId: "a.b", TradePointId: 1 }),
      code: -1,
    },
  ])("$name → $code", async ({ call, code }) => {
    const answer = await call();
    expect(answer.status).toBe(200);
    expect(answer.body.StatusCode).toBe(code);
  });

  it("a device on another trade point → -1503", async () => {
    const first = await post("device/register", { DeviceId: "moving", TradePointId: 1 });
    expect(first.body).toMatchObject({ StatusCode: 0, Data: { DeviceToken: expect.any(String) as unknown } });
    await db().sandboxQrDevice.updateMany({ where: { deviceId: "moving" }, data: { tradePointId: "3" } });
    expect((await post("device/register", { DeviceId: "moving", TradePointId: 1 })).body.StatusCode).toBe(-1503);
  });

  it("r1 without Api-Key is refused before anything happens", async () => {
    const req = new Request(`${BASE}/sandbox/kaspi/qr/r1/v01/qr/create`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Request-ID": "1" },
      body: "{}",
    });
    expect((await POST(req, params({ scheme: "r1", path: ["qr", "create"] }))).status).toBe(401);
  });
});

const r3 = (body: Record<string, unknown>) => ({ ...body, OrganizationBin: "123456789012" });

describe("a QR payment's life — docs/kaspi.md §2, §3, §4", () => {
  it("QrTokenCreated → Wait → Processed with Status only (v01), dates in the +05:00 / +05 forms", async () => {
    const created = await create();
    expect(created.body).toMatchObject({
      StatusCode: 0,
      Message: "OK",
      Data: {
        QrToken: expect.any(String) as unknown,
        ExpireDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+05:00$/) as unknown,
        QrPaymentBehaviorOptions: {
          StatusPollingInterval: 5,
          QrCodeScanWaitTimeout: 180,
          PaymentConfirmationTimeout: 65,
        },
      },
    });
    const link = await create({}, "qr/create-link");
    expect(link.body.Data).toMatchObject({
      ExpireDate: expect.stringMatching(/T\d\d:\d\d:\d\d\+05$/) as unknown,
      PaymentBehaviorOptions: { LinkActivationWaitTimeout: 180 },
    });
    const id = String(created.body.Data?.QrPaymentId);
    expect((await get(`payment/status/${id}`)).body.Data).toEqual({ Status: "QrTokenCreated" });
    await sandboxQrScan(db(), id);
    expect((await get(`payment/status/${id}`)).body.Data).toEqual({ Status: "Wait" });
    await sandboxDecide(db(), id, "COMPLETED");
    expect((await get(`payment/status/${id}`)).body.Data).toEqual({ Status: "Processed" });
  });

  it("docs/kaspi.md §3: not scanned within QrCodeScanWaitTimeout, or not confirmed within PaymentConfirmationTimeout → Error", async () => {
    const a = String((await create()).body.Data?.QrPaymentId);
    await db().sandboxPayment.update({ where: { id: a }, data: { createdAt: new Date(Date.now() - 181_000) } });
    expect((await get(`payment/status/${a}`)).body.Data).toEqual({ Status: "Error" });
    const b = String((await create()).body.Data?.QrPaymentId);
    await db().sandboxPayment.update({ where: { id: b }, data: { scannedAt: new Date(Date.now() - 66_000) } });
    expect((await get(`payment/status/${b}`)).body.Data).toEqual({ Status: "Error" });
  });

  it("declined in the Kaspi app → Error", async () => {
    const id = String((await create()).body.Data?.QrPaymentId);
    await sandboxDecide(db(), id, "FAILED");
    expect((await get(`payment/status/${id}`)).body.Data).toEqual({ Status: "Error" });
  });
});

async function paid(scheme: string, amount = 12_500) {
  const body = { DeviceToken: DEVICE, Amount: amount, ExternalId: randomUUID() };
  const id = String((await post("qr/create", scheme === "r3" ? r3(body) : body, scheme)).body.Data?.QrPaymentId);
  await sandboxDecide(db(), id, "COMPLETED");
  return id;
}

describe("refunds per scheme — docs/kaspi.md §1, §2, §5", () => {
  it("r1 has no payment/return or payment/details (404: not a method of the scheme)", async () => {
    const id = await paid("r1");
    const req = new Request(`${BASE}/sandbox/kaspi/qr/r1/v01/payment/return`, {
      method: "POST",
      headers: headers("r1"),
      body: JSON.stringify({ DeviceToken: DEVICE, QrPaymentId: Number(id), Amount: 1 }),
    });
    expect((await POST(req, params({ scheme: "r1", path: ["payment", "return"] }))).status).toBe(404);
    expect((await get(`payment/details?QrPaymentId=${id}&DeviceToken=${DEVICE}`)).status).toBe(404);
  });

  it("r3: payment/details, then returns with -99000003 / -99000005 / -99000011 refusals", async () => {
    const open = String(
      (await post("qr/create", r3({ DeviceToken: DEVICE, Amount: 500, ExternalId: randomUUID() }), "r3")).body.Data
        ?.QrPaymentId,
    );
    expect(
      (await post("payment/return", r3({ DeviceToken: DEVICE, QrPaymentId: Number(open), Amount: 1 }), "r3")).body
        .StatusCode,
    ).toBe(-99000011);
    const id = await paid("r3");
    const details = await get(`payment/details?QrPaymentId=${id}&DeviceToken=${DEVICE}`, "r3");
    expect(details.body.Data).toMatchObject({ TotalAmount: 12_500, AvailableReturnAmount: 12_500 });
    const reg = await post("device/register", r3({ DeviceId: "far_till", TradePointId: 1 }), "r3");
    await db().sandboxQrDevice.updateMany({ where: { deviceId: "far_till" }, data: { tradePointId: "9" } });
    const ret = (over: Record<string, unknown>) =>
      post("payment/return", r3({ DeviceToken: DEVICE, QrPaymentId: Number(id), Amount: 500, ...over }), "r3");
    expect((await ret({ DeviceToken: String(reg.body.Data?.DeviceToken) })).body.StatusCode).toBe(-99000003);
    expect((await ret({ Amount: 12_501 })).body.StatusCode).toBe(-99000005);
    expect((await ret({})).body).toMatchObject({
      StatusCode: 0,
      Data: { ReturnOperationId: expect.any(Number) as unknown },
    });
    expect((await get(`payment/details?QrPaymentId=${id}&DeviceToken=${DEVICE}`, "r3")).body.Data).toMatchObject({
      AvailableReturnAmount: 12_000,
    });
    expect((await ret({ Amount: 12_001 })).body.StatusCode).toBe(-99000005);
    expect((await ret({ Amount: 12_000 })).body.StatusCode).toBe(0);
  });

  it("a Kaspi Red (loan) purchase refuses partial returns (-99000020)", async () => {
    const id = await paid("r3", 12_577);
    const partial = await post(
      "payment/return",
      r3({ DeviceToken: DEVICE, QrPaymentId: Number(id), Amount: 100 }),
      "r3",
    );
    expect(partial.body.StatusCode).toBe(-99000020);
  });

  it("r2: return/create → scan → CustomerIdentityObtained → return/operations → payment/return with QrReturnId", async () => {
    const id = await paid("r2");
    const made = await post("return/create", { DeviceToken: DEVICE, ExternalId: "rf_1" }, "r2");
    expect(made.body.Data).toMatchObject({
      QrToken: expect.stringContaining("/sandbox/kaspi/qr/return/") as unknown,
      ExpireDate: expect.stringMatching(/\+05$/) as unknown,
      QrReturnBehaviorOptions: { QrCodeScanEventPollingInterval: 5 },
    });
    const rid = String(made.body.Data?.QrReturnId);
    const give = (over: Record<string, unknown> = {}) =>
      post(
        "payment/return",
        { DeviceToken: DEVICE, QrPaymentId: Number(id), QrReturnId: Number(rid), Amount: 500, ...over },
        "r2",
      );
    expect((await get(`return/status/${rid}`, "r2")).body.Data).toEqual({ Status: "QrTokenCreated" });
    expect(
      (await post("return/operations", { DeviceToken: DEVICE, QrReturnId: Number(rid) }, "r2")).body.StatusCode,
    ).toBe(-99000011);
    expect((await give()).body.StatusCode).toBe(-99000011);
    await sandboxReturnScan(db(), rid);
    expect((await get(`return/status/${rid}`, "r2")).body.Data).toEqual({ Status: "CustomerIdentityObtained" });
    const ops = await post("return/operations", { DeviceToken: DEVICE, QrReturnId: Number(rid), MaxResult: 10 }, "r2");
    expect(ops.body.Data).toEqual(
      expect.arrayContaining([expect.objectContaining({ QrPaymentId: Number(id), Amount: 12_500 })]),
    );
    expect((await give({ QrReturnId: undefined })).body.StatusCode).toBe(-99000011);
    expect((await give()).body.StatusCode).toBe(0);
  });
});

describe("remote invoices (r3) — docs/kaspi.md §2", () => {
  it("client-info, create, cancel; 404 on r1/r2", async () => {
    const who = await get(`remote/client-info?PhoneNumber=87071234567&DeviceToken=${DEVICE}`, "r3");
    expect(who.body).toMatchObject({ StatusCode: 0, Data: { ClientName: expect.any(String) as unknown } });
    expect((await get(`remote/client-info?PhoneNumber=123&DeviceToken=${DEVICE}`, "r3")).body.StatusCode).toBe(-1401);
    const made = await post(
      "remote/create",
      r3({ DeviceToken: DEVICE, Amount: 12_500, PhoneNumber: "87071234567" }),
      "r3",
    );
    const id = String(made.body.Data?.QrPaymentId);
    expect((await get(`payment/status/${id}`, "r3")).body.Data).toEqual({ Status: "QrTokenCreated" });
    const cancel = await post("remote/cancel", r3({ DeviceToken: DEVICE, QrPaymentId: Number(id) }), "r3");
    expect(cancel.body).toMatchObject({ StatusCode: 0, Data: { Status: "RemotePaymentCanceled" } });
    expect((await get(`payment/status/${id}`, "r3")).body.Data).toEqual({ Status: "Error" });
    const r1 = await post("remote/create", { DeviceToken: DEVICE, Amount: 1, PhoneNumber: "87071234567" });
    expect(r1.status).toBe(404);
  });
});

describe("Kaspi's test endpoints — docs/kaspi.md §2 (test/payment/*)", () => {
  const test = (action: string, id: string) => post(`test/payment/${action}`, { qrPaymentId: id });
  it("scan → Wait, confirm → Processed", async () => {
    const id = String((await create()).body.Data?.QrPaymentId);
    expect((await test("scan", id)).body).toEqual({ StatusCode: 0, message: "OK" });
    expect((await get(`payment/status/${id}`)).body.Data).toEqual({ Status: "Wait" });
    expect((await test("confirm", id)).body.StatusCode).toBe(0);
    expect((await get(`payment/status/${id}`)).body.Data).toEqual({ Status: "Processed" });
  });
  it("scanerror → Error; confirmerror only after a scan", async () => {
    const a = String((await create()).body.Data?.QrPaymentId);
    expect((await test("scanerror", a)).body.StatusCode).toBe(0);
    expect((await get(`payment/status/${a}`)).body.Data).toEqual({ Status: "Error" });
    const b = String((await create()).body.Data?.QrPaymentId);
    expect((await test("confirmerror", b)).body.StatusCode).not.toBe(0);
    expect((await get(`payment/status/${b}`)).body.Data).toEqual({ Status: "QrTokenCreated" });
    await test("scan", b);
    expect((await test("confirmerror", b)).body.StatusCode).toBe(0);
    expect((await get(`payment/status/${b}`)).body.Data).toEqual({ Status: "Error" });
  });
});

describe("devices — docs/kaspi.md §2, §3", () => {
  it("DeviceId only [A-Za-z0-9_-]; same arguments → same token; device/delete → -1502; health/ping", async () => {
    expect((await post("device/register", { DeviceId: "till.1", TradePointId: 1 })).body.StatusCode).not.toBe(0);
    const a = await post("device/register", { DeviceId: "GFC-456397", TradePointId: 1 });
    const b = await post("device/register", { DeviceId: "GFC-456397", TradePointId: 1 });
    expect(a.body.Data).toEqual(b.body.Data);
    const token = String(a.body.Data?.DeviceToken);
    expect((await post("device/delete", { DeviceToken: token })).body).toEqual({ StatusCode: 0, Message: "OK" });
    expect((await create({ DeviceToken: token })).body.StatusCode).toBe(-1502);
    expect((await get("health/ping")).body).toEqual({ StatusCode: 0, Message: "OK" });
  });
});
