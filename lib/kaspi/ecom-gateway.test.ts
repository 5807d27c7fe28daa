import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { resetBreakers } from "./circuit-breaker";
import { createEcomGateway, type EcomGatewayConfig } from "./ecom-gateway";
import type { CreatePaymentInput, KaspiResult } from "./gateway";

// The eCommerce gateway against a real HTTP server on loopback: what goes over the wire, and how
// every kind of bad answer becomes a typed error.

const TOKEN = "kaspi-bearer-TOKEN-must-not-leak";

type Seen = { method: string; url: string; headers: IncomingMessage["headers"]; body: string };
type Handler = (req: Seen, res: ServerResponse) => void;

let server: Server;
let baseUrl: string;
let seen: Seen[] = [];
let handler: Handler = (_req, res) => res.writeHead(500).end();

function reply(res: ServerResponse, status: number, body: unknown, contentType = "application/json"): void {
  res.writeHead(status, { "Content-Type": contentType });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const s: Seen = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      seen.push(s);
      handler(s, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/payment/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  seen = [];
  resetBreakers();
});

function gateway(over: Partial<EcomGatewayConfig> = {}) {
  return createEcomGateway({ baseUrl, token: TOKEN, timeoutMs: 300, presentation: "link", ...over });
}

const input: CreatePaymentInput = {
  externalId: "B-1001",
  amount: 12_500,
  description: "Demo store: order 1001",
  phone: "+77012345678",
  redirectUrl: "http://app.test/pay/tok",
  callbackUrl: "http://app.test/api/kaspi/callback",
  deviceId: "ord_1",
};

function expectNoToken(result: KaspiResult<unknown>): void {
  expect(JSON.stringify(result)).not.toContain(TOKEN);
}

describe("createPayment (link)", () => {
  it("POSTs the documented payload with the Bearer token", async () => {
    handler = (_req, res) =>
      reply(res, 200, { data: { paymentId: "kp-1", paymentLink: "https://pay.kaspi.kz/pay/kp-1" } });
    const result = await gateway().createPayment(input);

    expect(seen).toHaveLength(1);
    const req = seen[0]!;
    expect(req.method).toBe("POST");
    expect(req.url).toBe("/payment/api/v1/payments/create");
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(req.body)).toEqual({
      device: { platformType: "WEB", id: "ord_1" },
      amount: { value: 12_500, currency: "KZT" },
      externalId: "B-1001",
      description: "Demo store: order 1001",
      paymentType: "ECOM",
      customer: { phone: "+77012345678" },
      redirectUrl: "http://app.test/pay/tok",
      callbackUrl: "http://app.test/api/kaspi/callback",
    });
    expect(result).toEqual({
      ok: true,
      value: {
        kaspiPaymentId: "kp-1",
        paymentLink: "https://pay.kaspi.kz/pay/kp-1",
        qr: { format: "text", value: "https://pay.kaspi.kz/pay/kp-1" },
      },
    });
  });

  it("sends an empty customer and no redirectUrl when they are absent", async () => {
    handler = (_req, res) =>
      reply(res, 200, { data: { paymentId: "kp-2", paymentLink: "https://pay.kaspi.kz/pay/kp-2" } });
    const { phone: _p, redirectUrl: _r, ...bare } = input;
    await gateway().createPayment(bare);
    const body = JSON.parse(seen[0]!.body) as Record<string, unknown>;
    expect(body.customer).toEqual({});
    expect(body).not.toHaveProperty("redirectUrl");
  });

  it("passes expiresAt on as a Date", async () => {
    handler = (_req, res) =>
      reply(res, 200, {
        data: { paymentId: "kp-3", paymentLink: "https://pay.kaspi.kz/pay/kp-3", expiresAt: "2030-01-01T00:00:00Z" },
      });
    const result = await gateway().createPayment(input);
    expect(result.ok && result.value.expiresAt?.toISOString()).toBe("2030-01-01T00:00:00.000Z");
  });
});

describe("createPayment (qr-image)", () => {
  it("POSTs the same payload to payments/qr and returns the PNG", async () => {
    handler = (_req, res) => reply(res, 200, { data: { paymentId: "kp-q", qrCode: "iVBORw0KGgo=" } });
    const result = await gateway({ presentation: "qr-image" }).createPayment(input);
    expect(seen[0]!.url).toBe("/payment/api/v1/payments/qr");
    expect(JSON.parse(seen[0]!.body)).toMatchObject({ externalId: "B-1001", paymentType: "ECOM" });
    expect(result).toEqual({
      ok: true,
      value: { kaspiPaymentId: "kp-q", qr: { format: "png-base64", value: "iVBORw0KGgo=" } },
    });
  });
});

describe("getPayment", () => {
  it("GETs the payment with the Bearer token and maps the status", async () => {
    handler = (_req, res) =>
      reply(res, 200, {
        data: {
          paymentId: "kp/1",
          status: "COMPLETED",
          externalId: "B-1001",
          amount: { value: 12_500, currency: "KZT" },
        },
      });
    const result = await gateway().getPayment("kp/1");
    expect(seen).toHaveLength(1);
    expect(seen[0]!.method).toBe("GET");
    expect(seen[0]!.url).toBe("/payment/api/v1/payments/kp%2F1");
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen[0]!.body).toBe("");
    expect(result).toEqual({
      ok: true,
      value: { kaspiPaymentId: "kp/1", status: "PAID", rawStatus: "COMPLETED", amount: 12_500, externalId: "B-1001" },
    });
  });

  it.each([
    ["no amount", { status: "COMPLETED" }],
    ["amount in another currency", { status: "COMPLETED", amount: { value: 12_500, currency: "USD" } }],
    ["fractional amount", { status: "COMPLETED", amount: { value: 12_500.5, currency: "KZT" } }],
  ])("COMPLETED with %s is not a payment (unreadable, retried later)", async (_name, data) => {
    handler = (_req, res) => reply(res, 200, { data });
    const result = await gateway().getPayment("kp-2");
    expect(result.ok ? "PAID" : result.error.kind).toBe("invalid_response");
  });

  it("keeps our paymentId when Kaspi's answer omits it", async () => {
    handler = (_req, res) => reply(res, 200, { data: { status: "WAIT" } });
    expect(await gateway().getPayment("kp-9")).toEqual({
      ok: true,
      value: { kaspiPaymentId: "kp-9", status: "PENDING", rawStatus: "WAIT" },
    });
  });
});

type Case = {
  name: string;
  handle: Handler;
  kind: "unavailable" | "rejected" | "invalid_response";
  /** Requests that reach the server for a POST (create) and a GET (status). */
  postCalls: number;
  getCalls: number;
  httpStatus?: number;
};

const hang: Handler = () => undefined;

const failures: Case[] = [
  { name: "timeout", handle: hang, kind: "unavailable", postCalls: 3, getCalls: 3 },
  {
    name: "HTTP 500",
    handle: (_q, r) => reply(r, 500, { error: "boom" }),
    kind: "unavailable",
    postCalls: 3,
    getCalls: 3,
    httpStatus: 500,
  },
  {
    name: "HTTP 503 HTML",
    handle: (_q, r) => reply(r, 503, "<h1>down</h1>", "text/html"),
    kind: "unavailable",
    postCalls: 3,
    getCalls: 3,
    httpStatus: 503,
  },
  {
    name: "HTTP 429",
    handle: (_q, r) => reply(r, 429, {}),
    kind: "unavailable",
    postCalls: 3,
    getCalls: 3,
    httpStatus: 429,
  },
  { name: "connection reset", handle: (_q, r) => r.socket?.destroy(), kind: "unavailable", postCalls: 3, getCalls: 3 },
  {
    name: "HTTP 400",
    handle: (_q, r) => reply(r, 400, { message: "bad" }),
    kind: "rejected",
    postCalls: 1,
    getCalls: 1,
    httpStatus: 400,
  },
  {
    name: "non-JSON 200",
    handle: (_q, r) => reply(r, 200, "<html>ok</html>", "text/html"),
    kind: "invalid_response",
    postCalls: 1,
    getCalls: 1,
    httpStatus: 200,
  },
  {
    name: "truncated JSON",
    handle: (_q, r) => reply(r, 200, '{"data":{"paymentId":'),
    kind: "invalid_response",
    postCalls: 1,
    getCalls: 1,
  },
  {
    name: "wrong shape",
    handle: (_q, r) => reply(r, 200, { paymentId: "kp-1", status: "COMPLETED" }),
    kind: "invalid_response",
    postCalls: 1,
    getCalls: 1,
  },
  {
    name: "unknown status / bad link",
    handle: (_q, r) => reply(r, 200, { data: { paymentId: "kp-1", paymentLink: "not a url", status: "SUCCESS" } }),
    kind: "invalid_response",
    postCalls: 1,
    getCalls: 1,
  },
  { name: "JSON null", handle: (_q, r) => reply(r, 200, "null"), kind: "invalid_response", postCalls: 1, getCalls: 1 },
];

describe.each(failures)("when Kaspi answers $name", (c) => {
  beforeEach(() => {
    handler = c.handle;
  });

  it(`createPayment → ${c.kind}, sent ${c.postCalls}× (retried only when Kaspi may not have acted)`, async () => {
    const result = await gateway().createPayment(input);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.kind).toBe(c.kind);
      if (c.httpStatus) expect(result.error.httpStatus).toBe(c.httpStatus);
    }
    expect(seen.filter((s) => s.method === "POST")).toHaveLength(c.postCalls);
    expectNoToken(result);
  });

  it(`getPayment → ${c.kind}, sent ${c.getCalls}×`, async () => {
    const result = await gateway().getPayment("kp-1");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.kind).toBe(c.kind);
    expect(seen.filter((s) => s.method === "GET")).toHaveLength(c.getCalls);
    expectNoToken(result);
  });
});

describe("retries", () => {
  it("GET succeeds when Kaspi recovers within the retries", async () => {
    let n = 0;
    handler = (_q, r) =>
      ++n < 3
        ? reply(r, 502, {})
        : reply(r, 200, { data: { status: "COMPLETED", amount: { value: 100, currency: "KZT" } } });
    const result = await gateway().getPayment("kp-1");
    expect(result.ok && result.value.status).toBe("PAID");
    expect(seen).toHaveLength(3);
  });

  it("a create retried after a lost answer reaches Kaspi with the same externalId every time", async () => {
    let n = 0;
    handler = (_q, r) =>
      ++n < 3
        ? reply(r, 503, {})
        : reply(r, 200, { data: { paymentId: "kp-9", paymentLink: "https://pay.test/kp-9" } });
    const result = await gateway().createPayment(input);
    expect(result.ok && result.value.kaspiPaymentId).toBe("kp-9");
    const ids = seen.map((s) => (JSON.parse(s.body) as { externalId: string }).externalId);
    expect(ids).toEqual([input.externalId, input.externalId, input.externalId]);
  });

  it("after repeated outages the circuit opens: calls fail at once without reaching Kaspi", async () => {
    handler = (_q, r) => reply(r, 500, {});
    await gateway().getPayment("kp-1"); // 3 failures
    await gateway().getPayment("kp-1"); // 2 more: the circuit opens
    const before = seen.length;
    const result = await gateway().getPayment("kp-1");
    expect(result.ok ? "ok" : result.error.message).toMatch(/not answering/);
    expect(seen.length).toBe(before);
  });

  it("failing reads (callback-triggered GETs) never open the breaker payment creation depends on", async () => {
    let failGets = true;
    handler = (req, res) =>
      req.method === "GET" && failGets
        ? reply(res, 500, {})
        : reply(res, 200, { data: { paymentId: "kp-2", paymentLink: "https://pay.kaspi.test/2", status: "CREATED" } });
    for (let i = 0; i < 4; i++) await gateway().getPayment("kp-1");
    expect((await gateway().getPayment("kp-1")).ok).toBe(false);
    const created = await gateway().createPayment(input);
    expect(created.ok).toBe(true);
    failGets = false;
  });

  it("the timeout message names the limit, not the token or URL", async () => {
    handler = hang;
    const result = await gateway({ timeoutMs: 150 }).createPayment(input);
    expect(result).toEqual({ ok: false, error: { kind: "unavailable", message: "no answer within 150 ms" } });
  });

  it("a connection refused is unavailable without leaking the token", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await gateway({ baseUrl: `http://127.0.0.1:${port}/` }).createPayment(input);
    expect(result.ok ? "ok" : result.error.kind).toBe("unavailable");
    expectNoToken(result);
  });
});
