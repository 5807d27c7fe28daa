import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as postCallbackRoute } from "@/app/api/kaspi/callback/route";
import { withFakeKaspi } from "@/tests/support/with-fake-kaspi";
import { BASE, callbackBody, createOrder, latestPayment, orderRow, outboxOf, postPayment } from "@/tests/helpers";
import { installPeerAddressStamp } from "@/lib/http/peer-address";
import { resetRateLimiterForTests } from "@/lib/http/request-gate";
import { startLiveServer } from "@/tests/support/live-server";

// POST /api/kaspi/callback on the production fast path (plain node:http, no Next pipeline): the
// route's own answers — the same statuses and bodies as the route handler for every kind of body —
// with proxy.ts's gate (size, rate limit) and headers.

const fake = withFakeKaspi();
let live: Awaited<ReturnType<typeof startLiveServer>>;
let origin: string;

beforeAll(async () => {
  installPeerAddressStamp();
  resetRateLimiterForTests();
  live = await startLiveServer({ callbackBodyDeadlineMs: 3_000 });
  origin = live.origin;
});

afterAll(() => live.close());

async function pendingPayment() {
  const order = await createOrder();
  expect((await postPayment(order.token)).status).toBe(200);
  const payment = await latestPayment(order.orderId);
  return { order, kaspiPaymentId: payment.kaspiPaymentId ?? "", externalId: payment.kaspiExternalId };
}

const post = (body: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
  fetch(`${origin}/api/kaspi/callback`, { method: "POST", headers, body });

describe("Kaspi callback on the fast path", () => {
  it("verifies with Kaspi and pays, with the app's headers; Next is not involved", async () => {
    const before = live.passedOn();
    const { order, kaspiPaymentId, externalId } = await pendingPayment();
    fake.setStatus(kaspiPaymentId, "PAID");
    const res = await fetch(`${origin}/api/kaspi/callback`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "cb-12345678" },
      body: JSON.stringify(callbackBody(kaspiPaymentId, externalId, "COMPLETED")),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "OK" });
    expect(res.headers.get("x-request-id")).toBe("cb-12345678");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(fake.calls.getPayment).toBe(1);
    expect((await orderRow(order.orderId)).status).toBe("PAID");
    expect(await outboxOf(order.orderId)).toHaveLength(1);
    expect(live.passedOn()).toBe(before);
  });

  it("answers every kind of body exactly as the route handler does", async () => {
    const { kaspiPaymentId, externalId } = await pendingPayment();
    const cases: [string, string][] = [
      ["application/json", "{}"],
      ["application/json", "not json"],
      ["text/plain", "{}"],
      ["application/json", JSON.stringify({ data: { paymentId: 1, externalId: "x", status: "COMPLETED" } })],
      ["application/json", JSON.stringify(callbackBody("no-such-payment", "x", "COMPLETED"))],
      ["application/json", JSON.stringify(callbackBody(kaspiPaymentId, "someone-else", "COMPLETED"))],
      ["application/json", JSON.stringify({ data: { paymentId: "p", externalId: "x", status: "x".repeat(9000) } })],
      ["application/json", JSON.stringify(callbackBody(kaspiPaymentId, externalId, "WAIT"))],
    ];
    for (const [type, body] of cases) {
      const fast = await post(body, { "content-type": type });
      const route = await postCallbackRoute(
        new Request(`${BASE}/api/kaspi/callback`, { method: "POST", headers: { "content-type": type }, body }),
      );
      expect({ status: fast.status, body: await fast.json() }, `${type} ${body.slice(0, 60)}`).toEqual({
        status: route.status,
        body: await route.json(),
      });
    }
  });

  it("an unknown payment id is answered exactly like a rejected callback: status, headers, bytes", async () => {
    const { kaspiPaymentId, externalId } = await pendingPayment();
    /** Status, headers and body as sent on the wire, but for the request id and the clock. */
    const wire = (body: unknown) =>
      new Promise<{ status: number; headers: string[]; body: string }>((resolve, reject) => {
        const req = httpRequest(`${origin}/api/kaspi/callback`, {
          method: "POST",
          headers: { "content-type": "application/json" },
        });
        req.on("response", (res) => {
          let text = "";
          res.on("data", (c: Buffer) => (text += c.toString()));
          res.on("end", () => {
            const headers: string[] = [];
            for (let i = 0; i < res.rawHeaders.length; i += 2) {
              const name = (res.rawHeaders[i] ?? "").toLowerCase();
              if (name !== "x-request-id" && name !== "date") headers.push(`${name}: ${res.rawHeaders[i + 1]}`);
            }
            resolve({ status: res.statusCode ?? 0, headers, body: text });
          });
        });
        req.on("error", reject);
        req.end(JSON.stringify(body));
      });
    const forged = await wire(callbackBody(kaspiPaymentId, externalId, "COMPLETED")); // Kaspi says PENDING
    const unknown = await wire(callbackBody("no-such-payment", externalId, "COMPLETED"));
    const wrongExternalId = await wire(callbackBody(kaspiPaymentId, "someone-else", "COMPLETED"));
    expect(forged.status).toBe(200);
    expect(forged.body).toBe('{"status":"OK"}');
    expect(unknown).toEqual(forged);
    expect(wrongExternalId).toEqual(forged);
    expect(fake.calls.getPayment).toBe(1);
  });

  it("an oversize chunked body is refused with 413 and the connection survives to answer it", async () => {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(`${origin}/api/kaspi/callback`, {
        method: "POST",
        headers: { "content-type": "application/json", "transfer-encoding": "chunked" },
      });
      req.on("response", (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      for (let i = 0; i < 20; i++) req.write(`{"pad":"${"x".repeat(1000)}"}`);
      req.end();
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE" } });
  });

  it("clients stalled mid-body hold no place: other callbacks are answered, the stalled ones refused at the deadline", async () => {
    const stalled = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const socket = connect(Number(new URL(origin).port), "127.0.0.1");
        await new Promise((r) => socket.once("connect", r));
        let answer = "";
        socket.on("data", (c: Buffer) => (answer += c.toString()));
        socket.write(
          "POST /api/kaspi/callback HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
        );
        return { socket, answer: () => answer };
      }),
    );
    try {
      const res = await post(JSON.stringify(callbackBody("no-such-payment", "x", "COMPLETED")));
      expect(res.status).toBe(200);
      // Answered while the stalled ones still wait for their deadline (3 s): they held no place.
      for (const s of stalled) expect(s.answer()).toBe("");
      await waitUntil(() => stalled.every((s) => s.answer() !== ""), 10_000);
      for (const s of stalled) {
        expect(s.answer()).toMatch(/^HTTP\/1\.1 400/);
        expect(s.answer()).toContain('"code":"BAD_REQUEST"');
      }
    } finally {
      for (const s of stalled) s.socket.destroy();
    }
  });

  it("a declared body over the proxy's limit is refused before it is read", async () => {
    const res = await post("x".repeat(40 * 1024));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE" } });
  });

  it("other methods on the path go to Next (its 405 with Allow)", async () => {
    const before = live.passedOn();
    await fetch(`${origin}/api/kaspi/callback`);
    expect(live.passedOn() - before).toBe(1);
  });
});

describe("Kaspi callback on the fast path — rate limit", () => {
  it("applies proxy.ts's callback limit per client address", async () => {
    process.env.RATE_LIMIT_CALLBACK = "3";
    const { resetEnvForTests } = await import("@/lib/env");
    resetEnvForTests();
    resetRateLimiterForTests();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++)
        statuses.push((await post(JSON.stringify(callbackBody("nope", "x", "COMPLETED")))).status);
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      expect(statuses.slice(3)).toEqual([429, 429]);
    } finally {
      delete process.env.RATE_LIMIT_CALLBACK;
      resetEnvForTests();
      resetRateLimiterForTests();
    }
  });
});

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!done() && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
}
