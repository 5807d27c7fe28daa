import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { POST } from "@/app/sandbox/kaspi/online/route";
import { db } from "@/lib/db";
import { resetEnvForTests } from "@/lib/env";
import { addFault, clearFaults } from "@/lib/sandbox/faults";
import { BASE, read } from "../helpers";

// POST /sandbox/kaspi/online — the simulated Kaspi button, as the public integrations use the real
// one (docs/kaspi.md §8): JSON from the store's server answered { code, redirectUrl, message,
// qrCodeImage } with a real PNG; a browser form sent on to the Kaspi app page; refusals with a
// code ≠ 0 (JSON) or a page that says why (form); faults on request.

beforeAll(() => {
  process.env.KASPI_PROTOCOL = "checkpay";
  delete process.env.KASPI_CHECKPAY_SERVICE_ID;
  resetEnvForTests();
});

afterEach(async () => {
  await clearFaults(db());
});

const fields = {
  TranId: "1041",
  OrderId: "1041",
  Amount: 1_250_000,
  Service: "sandbox",
  returnUrl: "https://shop.example.kz/personal/order/1041/",
};

const postJson = (body: unknown) =>
  POST(
    new Request(`${BASE}/sandbox/kaspi/online`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }),
  );

const postForm = (body: Record<string, string | number>) =>
  POST(
    new Request(`${BASE}/sandbox/kaspi/online`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(Object.entries(body).map(([k, v]) => [k, String(v)])).toString(),
    }),
  );

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe("JSON", () => {
  it("code 0, a link into the Kaspi app and a real PNG of it; the sandbox keeps the account, tenge and returnUrl", async () => {
    const answer = await read<{ code: number; redirectUrl: string; message: string; qrCodeImage: string }>(
      await postJson({ ...fields, refererHost: "app.test", GenerateQrCode: true }),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ code: 0, message: "" });
    expect(answer.body.redirectUrl).toMatch(/^http:\/\/app\.test\/sandbox\/kaspi\/pay\/\d+$/);
    const image = Buffer.from(answer.body.qrCodeImage, "base64");
    expect(image.subarray(0, 8).equals(PNG)).toBe(true);
    expect(image.length).toBeGreaterThan(200);
    const id = answer.body.redirectUrl.split("/").at(-1) ?? "";
    expect(await db().sandboxPayment.findUnique({ where: { id } })).toMatchObject({
      protocol: "checkpay",
      account: "1041",
      amount: 12_500,
      status: "PENDING",
      presentation: "online-json",
      redirectUrl: fields.returnUrl,
    });
  });

  it.each([
    { GenerateQrCode: "True", qr: true },
    { GenerateQrCode: false, qr: false },
    { GenerateQrCode: undefined, qr: false },
  ])("GenerateQrCode $GenerateQrCode → image: $qr", async ({ GenerateQrCode, qr }) => {
    const body = await read(await postJson({ ...fields, ...(GenerateQrCode === undefined ? {} : { GenerateQrCode }) }));
    expect(body.body.code).toBe(0);
    expect("qrCodeImage" in body.body).toBe(qr);
  });

  it.each([
    { name: "a Service it does not know", over: { Service: "other" }, code: 1, status: 200, says: 'Service "other"' },
    {
      name: "an amount that is not whole tenge in tiyn",
      over: { Amount: 1_250_050 },
      code: 2,
      status: 200,
      says: "tiyn",
    },
    {
      name: "a returnUrl off the store",
      over: { returnUrl: "https://evil.example/" },
      code: 3,
      status: 200,
      says: "returnUrl",
    },
    { name: "no TranId", over: { TranId: undefined }, code: 2, status: 400, says: "TranId" },
    { name: "a negative Amount", over: { Amount: -5 }, code: 2, status: 400, says: "Amount" },
  ])("refused: $name → code $code", async ({ over, code, status, says }) => {
    const answer = await read(await postJson({ ...fields, ...over }));
    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ code, redirectUrl: null, qrCodeImage: null });
    expect(answer.body.message).toContain(says);
  });

  it("invalid JSON → the error shape, never a 500", async () => {
    const res = await POST(
      new Request(`${BASE}/sandbox/kaspi/online`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: "{",
      }),
    );
    expect(res.status).toBe(400);
    expect((await read(res)).body).toMatchObject({ error: { code: "INVALID_JSON" } });
  });
});

describe("the browser form", () => {
  it("303 to the Kaspi app page; no QR; the sandbox records it came as a form", async () => {
    const { Amount, ...rest } = fields;
    const res = await postForm({ ...rest, Amount: String(Amount) });
    expect(res.status).toBe(303);
    const location = res.headers.get("location") ?? "";
    expect(location).toMatch(/^http:\/\/app\.test\/sandbox\/kaspi\/pay\/\d+$/);
    const row = await db().sandboxPayment.findUniqueOrThrow({ where: { id: location.split("/").at(-1) ?? "" } });
    expect(row).toMatchObject({ presentation: "online-form", amount: 12_500, account: "1041" });
  });

  it("a refusal is a page that says why", async () => {
    const res = await postForm({ ...fields, Service: "other" });
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(await res.text()).toContain("Service &quot;other&quot; is not registered");
  });
});

describe("faults", () => {
  it("refuse: code ≠ 0 for a known Service", async () => {
    await addFault(db(), { operation: "online", kind: "refuse", delayMs: 0, count: 1 });
    expect((await read(await postJson(fields))).body).toMatchObject({ code: 4, redirectUrl: null });
    expect((await read(await postJson(fields))).body).toMatchObject({ code: 0 });
  });

  it("json_refused: JSON gets HTTP 415 and a page, the form still works", async () => {
    await addFault(db(), { operation: "online", kind: "json_refused", delayMs: 0, count: 1 });
    const refused = await postJson(fields);
    expect(refused.status).toBe(415);
    expect(refused.headers.get("content-type")).toMatch(/text\/html/);
    expect((await postForm({ ...fields })).status).toBe(303);
  });

  it("timeout: the answer comes after delayMs (no answer in time for the app)", async () => {
    await addFault(db(), { operation: "online", kind: "timeout", delayMs: 300, count: 1 });
    const started = Date.now();
    expect((await read(await postJson(fields))).body).toMatchObject({ code: 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("http_500", async () => {
    await addFault(db(), { operation: "online", kind: "http_500", delayMs: 0, count: 1 });
    expect((await postJson(fields)).status).toBe(500);
  });
});

describe("off outside the sandbox", () => {
  it("404 where the sandbox is not enabled", async () => {
    process.env.KASPI_SANDBOX = "off";
    process.env.KASPI_CHECKPAY_SERVICE_ID = "5001";
    resetEnvForTests();
    try {
      expect((await postJson(fields)).status).toBe(404);
    } finally {
      process.env.KASPI_SANDBOX = "on";
      delete process.env.KASPI_CHECKPAY_SERVICE_ID;
      resetEnvForTests();
    }
  });
});
