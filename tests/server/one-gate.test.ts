import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { resetEnvForTests } from "@/lib/env";
import { resetRateLimiterForTests } from "@/lib/http/request-gate";
import { closeStatusHub } from "@/lib/live/status-hub";
import { createOrder } from "@/tests/helpers";
import { throughNext } from "@/tests/support/next-routes";
import { ensureBuild, startServer, type Proc } from "@/tests/support/processes";

// One gate, one server (issue 18): the production server — server.mjs over the build, its fast
// path for the status poll, the status stream and Kaspi's callbacks, Next behind proxy.ts for the
// rest — and the route handlers behind proxy.ts as the route tests call them
// (tests/support/next-routes.ts) answer the same requests with the same status, body and headers:
// spoofed X-Forwarded-For, many shoppers behind one address (CGNAT), malformed paths, wrong
// methods, status polls past RATE_LIMIT_STATUS, stream caps, with and without TRUSTED_PROXIES.
// Both sides read this file's database; each counts its own limits from zero, and every request
// goes to the server and then to the routes before the next one, so that their windows keep step.
// Not compared: the request id's value (compared when the client sent one), the CSP nonce (fresh
// per response), Retry-After within a second (the two windows open a few ms apart), and transport
// headers — Date, Connection, Keep-Alive, Transfer-Encoding, Content-Length, and Vary and
// Content-Encoding (Next gzips what it serves and keys its router's caches; the answers are
// no-store either way).
// Needs the production build (ensureBuild); ports 3440–3441.

type Send = { method?: string; path: string; headers?: Record<string, string>; body?: string };
type Answer = { status: number; headers: Record<string, string>; body: unknown };

const TRANSPORT = new Set([
  "date",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "content-encoding",
  "vary",
]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Open status streams, closed after each test (both sides). */
const streams: ReadableStreamDefaultReader<Uint8Array>[] = [];

async function read(res: Response, sent: Send): Promise<Answer> {
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (TRANSPORT.has(name)) return;
    if (name === "x-request-id") value = sent.headers?.["x-request-id"] ?? (UUID.test(value) ? "<uuid>" : value);
    if (name === "content-security-policy") value = value.replace(/'nonce-[^']+'/, "'nonce-…'");
    headers[name] = value;
  });
  let body: unknown;
  if (headers["content-type"]?.startsWith("text/event-stream")) {
    // A stream: its opening (the retry hint and the current status), then it stays open.
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    streams.push(reader);
    const decoder = new TextDecoder();
    let text = "";
    while (!/\ndata: .*\n\n/.test(text)) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
    }
    body = text;
  } else {
    const text = await res.text();
    body = headers["content-type"]?.startsWith("application/json") ? JSON.parse(text) : text;
  }
  return { status: res.status, headers, body };
}

function compare(server: Answer, routes: Answer, label: string): void {
  const [a, b] = [server.headers["retry-after"], routes.headers["retry-after"]];
  if (a !== undefined || b !== undefined) {
    expect(Math.abs(Number(a) - Number(b)), `${label}: Retry-After ${a} vs ${b}`).toBeLessThanOrEqual(1);
    expect(Number(a), label).toBeGreaterThan(0);
    delete server.headers["retry-after"];
    delete routes.headers["retry-after"];
  }
  expect(server, label).toEqual(routes);
}

/** One request, to the server and then to the route handlers; their answers must match. */
async function both(origin: string, sent: Send): Promise<Answer> {
  const init = { method: sent.method ?? "GET", headers: sent.headers ?? {}, body: sent.body };
  const server = await read(await fetch(`${origin}${sent.path}`, { ...init, redirect: "manual" }), sent);
  const routes = await read(await throughNext(`${origin}${sent.path}`, { ...init, peer: "127.0.0.1" }), sent);
  compare(server, routes, `${init.method} ${sent.path} ${JSON.stringify(sent.headers ?? {})}`);
  return server;
}

async function statuses(origin: string, list: Send[]): Promise<number[]> {
  const out: number[] = [];
  for (const sent of list) out.push((await both(origin, sent)).status);
  return out;
}

const LIMITS = {
  RATE_LIMIT_STATUS: "5",
  RATE_LIMIT_CALLBACK: "4",
  RATE_LIMIT_CHECKOUT: "3",
  STREAMS_PER_TOKEN: "3",
  STREAMS_PER_ADDRESS: "4",
};

/** The same configuration for this process's route handlers and for a server on `port`. */
async function serverWith(port: number, vars: Record<string, string>): Promise<Proc> {
  Object.assign(process.env, LIMITS, vars);
  resetEnvForTests();
  resetRateLimiterForTests();
  closeStatusHub();
  return startServer({
    port,
    env: {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      // Whatever a developer's .env holds, both sides run on the sandbox.
      KASPI_TOKEN: "",
      KASPI_BASE_URL: "",
    },
  });
}

const tokenPath = (token: string, what: "status" | "events" | "payment") => `/api/checkout/${token}/${what}`;

afterEach(async () => {
  for (const reader of streams.splice(0)) await reader.cancel().catch(() => undefined);
  await new Promise((r) => setTimeout(r, 100)); // both sides see the streams close
});

afterAll(() => {
  for (const name of [...Object.keys(LIMITS), "TRUSTED_PROXIES"]) delete process.env[name];
  resetEnvForTests();
  closeStatusHub();
});

describe("the production server and the route handlers answer alike — direct clients", () => {
  let server: Proc;
  beforeAll(async () => {
    await ensureBuild();
    server = await serverWith(3440, {});
  }, 300_000);
  afterAll(() => server?.stop());

  it("status, stream, unknown and odd tokens, malformed paths, wrong methods", async () => {
    const order = await createOrder();
    const origin = server.url;
    await both(origin, { path: tokenPath(order.token, "status"), headers: { "x-request-id": "parity-0001" } });
    expect((await both(origin, { path: tokenPath(order.token, "events") })).status).toBe(200);
    expect((await both(origin, { path: tokenPath("A".repeat(32), "status") })).status).toBe(404);
    expect((await both(origin, { path: tokenPath("short", "status") })).status).toBe(404);
    expect((await both(origin, { path: tokenPath("short", "events") })).status).toBe(404);
    expect((await both(origin, { path: "/api/checkout/%ff/status" })).status).toBe(400);
    expect((await both(origin, { path: `/pay/%ff${order.token}` })).status).toBe(400);
    const wrong: Send[] = [
      { method: "POST", path: tokenPath(order.token, "status"), body: "x" },
      { method: "DELETE", path: tokenPath(order.token, "status") },
      { method: "PUT", path: tokenPath(order.token, "events") },
      { method: "GET", path: "/api/kaspi/callback" },
      { method: "PATCH", path: "/api/kaspi/callback" },
      { method: "GET", path: tokenPath(order.token, "payment") },
    ];
    expect(await statuses(origin, wrong)).toEqual([405, 405, 405, 405, 405, 405]);
  });

  it("Kaspi callbacks: bad bodies, a declared oversize body, and the per-address limit a spoofed X-Forwarded-For cannot escape", async () => {
    const origin = server.url;
    const post = (body: string, headers: Record<string, string> = {}): Send => ({
      method: "POST",
      path: "/api/kaspi/callback",
      headers: { "content-type": "application/json", ...headers },
      body,
    });
    expect((await both(origin, post("x".repeat(40_000)))).status).toBe(413);
    const spoofed = Array.from({ length: 4 }, (_, i) => post("{}", { "x-forwarded-for": `198.51.100.${i + 1}` }));
    // RATE_LIMIT_CALLBACK=4 a minute from this address, whatever address the header claims.
    expect(await statuses(origin, [post("not json"), post("{}"), ...spoofed])).toEqual([400, 400, 400, 400, 429, 429]);
  });

  it("many shoppers behind one address poll freely; one token past RATE_LIMIT_STATUS is refused from anywhere", async () => {
    const origin = server.url;
    const orders = await Promise.all(Array.from({ length: 12 }, () => createOrder()));
    const polls = orders.flatMap((o) => Array.from({ length: 5 }, () => ({ path: tokenPath(o.token, "status") })));
    expect((await statuses(origin, polls)).filter((s) => s !== 200)).toEqual([]);
    const first = orders[0] as (typeof orders)[number];
    const past: Send[] = [
      { path: tokenPath(first.token, "status") },
      { path: tokenPath(first.token, "status"), headers: { "x-forwarded-for": "203.0.113.50" } },
      // The stream counts under the same token: refused by the gate before the hub.
      { path: tokenPath(first.token, "events") },
    ];
    expect(await statuses(origin, past)).toEqual([429, 429, 429]);
  });

  it("status streams: the per-token and per-address caps", async () => {
    const origin = server.url;
    const [a, b] = [await createOrder(), await createOrder()];
    const opens: Send[] = [a, a, a, a, b, b].map((o) => ({ path: tokenPath(o.token, "events") }));
    // 3 per token; then 4 per address (one of b's is the fifth from this address).
    expect(await statuses(origin, opens)).toEqual([200, 200, 200, 429, 200, 429]);
  });
});

describe("the production server and the route handlers answer alike — behind a trusted proxy", () => {
  let server: Proc;
  beforeAll(async () => {
    await ensureBuild();
    server = await serverWith(3441, { TRUSTED_PROXIES: "127.0.0.1" });
  }, 300_000);
  afterAll(() => server?.stop());

  it("callbacks count per forwarded client", async () => {
    const origin = server.url;
    const from = (client: string): Send => ({
      method: "POST",
      path: "/api/kaspi/callback",
      headers: { "content-type": "application/json", "x-forwarded-for": `6.6.6.6, ${client}` },
      body: "{}",
    });
    const clients = Array.from({ length: 6 }, (_, i) => from(`198.51.100.${i + 1}`));
    expect(await statuses(origin, clients)).toEqual([400, 400, 400, 400, 400, 400]);
    const one = Array.from({ length: 5 }, () => from("198.51.100.200"));
    expect(await statuses(origin, one)).toEqual([400, 400, 400, 400, 429]);
  });

  it("a carrier address's shoppers poll freely; stream caps count the forwarded client", async () => {
    const origin = server.url;
    const cgnat = { "x-forwarded-for": "100.64.0.1" };
    const orders = await Promise.all(Array.from({ length: 8 }, () => createOrder()));
    const polls = orders.flatMap((o) =>
      Array.from({ length: 5 }, () => ({ path: tokenPath(o.token, "status"), headers: cgnat })),
    );
    expect((await statuses(origin, polls)).filter((s) => s !== 200)).toEqual([]);
    const first = orders[0] as (typeof orders)[number];
    expect(await statuses(origin, [{ path: tokenPath(first.token, "status"), headers: cgnat }])).toEqual([429]);

    const [c, d] = [await createOrder(), await createOrder()];
    const at = (token: string, client: string): Send => ({
      path: tokenPath(token, "events"),
      headers: { "x-forwarded-for": client },
    });
    const opens = [c, c, d, d, d].map((o) => at(o.token, "203.0.113.5"));
    expect(await statuses(origin, [...opens, at(d.token, "203.0.113.6")])).toEqual([200, 200, 200, 200, 429, 200]);
  });
});
