import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { GET, POST } from "@/app/sandbox/kaspi/qr/[scheme]/v01/[...path]/route";
import { db } from "@/lib/db";
import { resetEnvForTests } from "@/lib/env";
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
  return read<Env>(await GET(req, params({ scheme, path: path.split("/") })));
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

describe("a QR payment's life", () => {
  it("QrTokenCreated → Wait → Processed, then full and partial returns with their errors", async () => {
    const created = await create();
    expect(created.body).toMatchObject({
      StatusCode: 0,
      Data: { QrToken: expect.any(String) as unknown, QrPaymentBehaviorOptions: { StatusPollingInterval: 1 } },
    });
    const id = String(created.body.Data?.QrPaymentId);
    expect((await get(`payment/status/${id}`)).body.Data).toMatchObject({ Status: "QrTokenCreated" });
    expect(
      (await post("payment/return", { DeviceToken: DEVICE, QrPaymentId: Number(id), Amount: 1 })).body.StatusCode,
    ).toBe(-99000011);
    await sandboxQrScan(db(), id);
    expect((await get(`payment/status/${id}`)).body.Data).toMatchObject({ Status: "Wait" });
    await sandboxDecide(db(), id, "COMPLETED");
    expect((await get(`payment/status/${id}`)).body.Data).toMatchObject({ Status: "Processed", Amount: 12_500 });

    const reg = await post("device/register", { DeviceId: "other-till", TradePointId: 1 });
    const other = String(reg.body.Data?.DeviceToken);
    const ret = (over: Record<string, unknown>) =>
      post("payment/return", { DeviceToken: DEVICE, QrPaymentId: Number(id), Amount: 500, ...over });
    expect((await ret({ DeviceToken: other })).body.StatusCode).toBe(-99000003);
    expect((await ret({ Amount: 12_501 })).body.StatusCode).toBe(-99000005);
    expect((await ret({})).body).toMatchObject({
      StatusCode: 0,
      Data: { ReturnOperationId: expect.any(Number) as unknown },
    });
    expect((await ret({ Amount: 12_001 })).body.StatusCode).toBe(-99000005);
    expect((await ret({ Amount: 12_000 })).body.StatusCode).toBe(0);
  });

  it("a Kaspi Red (loan) purchase reports the loan and refuses partial returns (-99000020)", async () => {
    const created = await create({ Amount: 12_577 }, "qr/create-link");
    expect(created.body.Data).toMatchObject({
      PaymentLink: expect.stringContaining("/sandbox/kaspi/pay/") as unknown,
      PaymentMethods: ["Gold", { LoanOfferName: "Kaspi Red", LoanTerm: 3 }],
    });
    const id = String(created.body.Data?.PaymentId);
    await sandboxDecide(db(), id, "COMPLETED");
    expect((await get(`payment/status/${id}`)).body.Data).toMatchObject({
      Status: "Processed",
      LoanOfferName: "Kaspi Red",
      LoanTerm: 3,
    });
    const partial = await post("payment/return", { DeviceToken: DEVICE, QrPaymentId: Number(id), Amount: 100 });
    expect(partial.body.StatusCode).toBe(-99000020);
  });

  it("declined in the Kaspi app → Error", async () => {
    const id = String((await create()).body.Data?.QrPaymentId);
    await sandboxDecide(db(), id, "FAILED");
    expect((await get(`payment/status/${id}`)).body.Data).toMatchObject({ Status: "Error" });
  });
});
