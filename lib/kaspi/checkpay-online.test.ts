import type { ServerResponse } from "node:http";
import QRCode from "qrcode";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { reply, startRecordingServer, type Handler } from "@/tests/support/recording-server";
import { createCheckpayGateway, type CheckpayGatewayConfig } from "./checkpay-gateway";
import { resetBreakers } from "./circuit-breaker";
import type { CreatePaymentInput } from "./gateway";
import { pngBase64 } from "./online-schemas";

// The Kaspi button (docs/kaspi.md §8) against a real HTTP server on loopback: the one JSON POST
// (fields as binsabit/jetinno-kaspi kaspi_quick_pay.go and kazitechkz/digital_queue
// kaspi_request_dto.py name them, Amount in tiyn), Kaspi's answer read as ingeniousalpha/gamerpro
// payment_services.py reads it (code 0 → redirectUrl), and every other answer typed: a refusal, no
// answer, and "JSON not taken" → the browser form with the same fields minus the JSON-only two.

let kaspi: Awaited<ReturnType<typeof startRecordingServer>>;
let url: string;
let png = "";
const setHandler = (h: Handler) => kaspi.handle(h);

beforeAll(async () => {
  png = (await QRCode.toBuffer("https://kaspi.kz/pay/x", { type: "png" })).toString("base64");
  kaspi = await startRecordingServer();
  url = `${kaspi.origin}/online`;
});

afterAll(async () => {
  await kaspi.close();
});

beforeEach(() => {
  kaspi.seen.length = 0;
  resetBreakers();
});

function gateway(over: Partial<CheckpayGatewayConfig> = {}) {
  return createCheckpayGateway({
    db: () => {
      throw new Error("creating a payment reads no database");
    },
    serviceId: "StoreService",
    entry: "online",
    payLink: "",
    online: { postUrl: url, formUrl: "https://kaspi.kz/online", refererHost: "pay.shop.kz", allowHttp: false },
    timeoutMs: 300,
    ...over,
  });
}

const input: CreatePaymentInput = {
  externalId: "ord_1-1",
  amount: 12_500,
  description: "Demo store: order 1041",
  redirectUrl: "https://pay.shop.kz/pay/tok",
  returnUrl: "https://shop.kz/personal/order/detail/1041/",
  callbackUrl: "https://pay.shop.kz/api/kaspi/callback",
  deviceId: "ord_1",
  account: "1041",
};

const ok = { code: 0, redirectUrl: "https://kaspi.kz/pay/abc?x=1", message: null };

describe("the POST", () => {
  it("one JSON POST: the account as TranId and OrderId, Amount in tiyn, Service, returnUrl, refererHost, GenerateQrCode", async () => {
    setHandler((_q, r) => reply(r, 200, { ...ok, qrCodeImage: png }));
    const created = await gateway().createPayment(input);
    expect(kaspi.seen).toHaveLength(1);
    expect(kaspi.seen[0]?.method).toBe("POST");
    expect(kaspi.seen[0]?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(kaspi.seen[0]?.body ?? "")).toEqual({
      TranId: "1041",
      OrderId: "1041",
      Amount: 1_250_000,
      Service: "StoreService",
      returnUrl: "https://shop.kz/personal/order/detail/1041/",
      refererHost: "pay.shop.kz",
      GenerateQrCode: true,
    });
    expect(created).toEqual({
      ok: true,
      value: {
        kaspiPaymentId: "gw-ord_1-1",
        paymentLink: "https://kaspi.kz/pay/abc?x=1",
        qr: { format: "png-base64", value: png },
        meta: { entry: "online", transport: "json" },
      },
    });
  });

  it("without the store's order page, returnUrl is the checkout; without an account number, the externalId", async () => {
    setHandler((_q, r) => reply(r, 200, ok));
    const { returnUrl: _dropped, account: _none, ...bare } = input;
    await gateway().createPayment(bare);
    expect(JSON.parse(kaspi.seen[0]?.body ?? "")).toMatchObject({
      TranId: "ord_1-1",
      OrderId: "ord_1-1",
      returnUrl: "https://pay.shop.kz/pay/tok",
    });
  });
});

describe("Kaspi's answer", () => {
  it.each([
    { name: "a data: URL prefix is dropped", image: () => `data:image/png;base64,${png}`, format: "png-base64" },
    { name: "no image: the QR is drawn from the link", image: () => null, format: "text" },
    {
      name: "not a PNG: drawn from the link",
      image: () => Buffer.from("GIF89a-not-png").toString("base64"),
      format: "text",
    },
    { name: "not base64: drawn from the link", image: () => "%%%", format: "text" },
  ])("$name", async ({ image, format }) => {
    setHandler((_q, r) => reply(r, 200, { ...ok, qrCodeImage: image() }));
    const created = await gateway().createPayment(input);
    if (!created.ok) throw new Error(created.error.message);
    expect(created.value.qr?.format).toBe(format);
    expect(created.value.qr?.value).toBe(format === "text" ? ok.redirectUrl : png);
  });

  it("a code sent as a numeric string is read as the number", async () => {
    setHandler((_q, r) => reply(r, 200, { ...ok, code: "0" }));
    expect((await gateway().createPayment(input)).ok).toBe(true);
  });

  it("code ≠ 0: Kaspi refused, with its code and message (whatever the HTTP status)", async () => {
    for (const status of [200, 400]) {
      setHandler((_q, r) => reply(r, status, { code: -3, redirectUrl: null, message: "Service not found" }));
      expect(await gateway().createPayment(input)).toEqual({
        ok: false,
        error: { kind: "rejected", message: "Kaspi refused the payment (code -3): Service not found", code: "-3" },
      });
    }
  });

  it.each([
    { name: "no redirectUrl", body: { code: 0 } },
    { name: "a javascript: redirectUrl", body: { code: 0, redirectUrl: "javascript:alert(1)" } },
    { name: "a plain http redirectUrl (live)", body: { code: 0, redirectUrl: "http://kaspi.kz/pay/x" } },
    { name: "JSON without a code", body: { redirectUrl: "https://kaspi.kz/pay/x" } },
  ])("$name: an unreadable answer, nothing shown", async ({ body }) => {
    setHandler((_q, r) => reply(r, 200, body));
    const created = await gateway().createPayment(input);
    expect(created.ok).toBe(false);
    if (!created.ok) expect(created.error.kind).toBe("invalid_response");
  });

  it("the sandbox may link over http", async () => {
    setHandler((_q, r) => reply(r, 200, { code: 0, redirectUrl: "http://127.0.0.1:3000/sandbox/kaspi/pay/1" }));
    const created = await gateway({
      online: { postUrl: url, formUrl: url, refererHost: "x", allowHttp: true },
    }).createPayment(input);
    expect(created.ok && created.value.paymentLink).toBe("http://127.0.0.1:3000/sandbox/kaspi/pay/1");
  });
});

describe("JSON not taken: the browser form instead", () => {
  it.each([
    {
      name: "HTTP 415 with a page",
      send: (r: ServerResponse) => reply(r, 415, "<h1>Unsupported</h1>", { "Content-Type": "text/html" }),
    },
    { name: "HTTP 404 JSON without a code", send: (r: ServerResponse) => reply(r, 404, { error: "not found" }) },
    {
      name: "a redirect (never followed)",
      send: (r: ServerResponse) => reply(r, 302, "", { Location: "https://kaspi.kz/elsewhere" }),
    },
    {
      name: "HTTP 200 with a page",
      send: (r: ServerResponse) => reply(r, 200, "<html>Kaspi.kz</html>", { "Content-Type": "text/html" }),
    },
  ])("$name", async ({ send }) => {
    setHandler((_q, r) => send(r));
    const created = await gateway().createPayment(input);
    expect(kaspi.seen).toHaveLength(1);
    if (!created.ok) throw new Error(created.error.message);
    expect(created.value.paymentLink).toBeUndefined();
    expect(created.value.qr).toBeUndefined();
    expect(created.value.meta).toMatchObject({
      entry: "online",
      transport: "form",
      reason: expect.stringMatching(/^Kaspi answered the JSON request with HTTP \d{3}/) as unknown,
      form: {
        action: "https://kaspi.kz/online",
        fields: {
          TranId: "1041",
          OrderId: "1041",
          Amount: "1250000",
          Service: "StoreService",
          returnUrl: "https://shop.kz/personal/order/detail/1041/",
        },
      },
    });
  });
});

describe("no answer", () => {
  it.each([
    { name: "HTTP 500", send: (r: ServerResponse) => reply(r, 500, "oops") },
    { name: "HTTP 429", send: (r: ServerResponse) => reply(r, 429, "slow down") },
    { name: "no answer within the timeout", send: () => undefined },
  ])("$name: unavailable (retried later, nothing shown)", async ({ send }) => {
    setHandler((_q, r) => send(r));
    const created = await gateway().createPayment(input);
    expect(created.ok).toBe(false);
    if (!created.ok) expect(created.error.kind).toBe("unavailable");
  });

  it("a closed port: unavailable", async () => {
    const created = await gateway({
      online: { postUrl: "http://127.0.0.1:9/online", formUrl: url, refererHost: "x", allowHttp: false },
    }).createPayment(input);
    expect(!created.ok && created.error.kind).toBe("unavailable");
  });
});

describe("the link entry is unchanged", () => {
  it("KASPI_CHECKPAY_ENTRY=link fills the payment link and posts nothing", async () => {
    const created = await gateway({
      entry: "link",
      payLink: "https://kaspi.kz/pay/_gate?service_id={service_id}&account={account}",
    }).createPayment(input);
    expect(kaspi.seen).toHaveLength(0);
    expect(created.ok && created.value.paymentLink).toBe(
      "https://kaspi.kz/pay/_gate?service_id=StoreService&account=1041",
    );
  });
});

describe("pngBase64", () => {
  it("takes only a real PNG", () => {
    expect(pngBase64(png)).toBe(png);
    expect(pngBase64(`data:image/png;base64,${png}`)).toBe(png);
    expect(pngBase64("")).toBeNull();
    expect(pngBase64("AAAA")).toBeNull();
    expect(pngBase64(Buffer.alloc(600 * 1024).toString("base64"))).toBeNull();
  });
});
