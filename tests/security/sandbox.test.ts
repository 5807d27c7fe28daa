import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { POST as createRoute } from "@/app/sandbox/kaspi/api/v1/payments/create/route";
import { db } from "@/lib/db";
import { sandboxCreatePayment, sendSandboxCallback } from "@/lib/sandbox/sandbox-service";
import { MAX_CALLBACK_COPIES } from "@/lib/sandbox/url-policy";
import { errorCodeOf, newExternalId, read } from "../helpers";

// Issue "the sandbox can never take a real order": no SSRF through callbackUrl, no open redirect
// through redirectUrl, and one control request cannot fan out into a flood of callbacks.

/** An eCommerce create request as the app sends it, with `over` changed. */
function createBody(over: Record<string, unknown>) {
  return {
    device: { platformType: "WEB" as const, id: "d-1" },
    amount: { value: 5_000, currency: "KZT" as const },
    externalId: newExternalId("sbx"),
    description: "x",
    paymentType: "ECOM" as const,
    customer: {},
    callbackUrl: "http://app.test/api/kaspi/callback",
    redirectUrl: "http://app.test/pay/abc",
    ...over,
  };
}

function create(over: Record<string, unknown>) {
  const body = createBody(over);
  return createRoute(
    new Request("http://app.test/sandbox/kaspi/api/v1/payments/create", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: "Bearer any" },
      body: JSON.stringify(body),
    }),
  );
}

describe("sandbox URL checks", () => {
  it("accepts this app's own callback and a redirect to the app or a Bitrix origin", async () => {
    expect((await create({})).status).toBe(200);
    expect((await create({ redirectUrl: "https://shop.example.kz/order/1" })).status).toBe(200);
  });

  it.each([
    ["an internal address", { callbackUrl: "http://169.254.169.254/latest/meta-data" }],
    ["another host", { callbackUrl: "https://evil.example/api/kaspi/callback" }],
    ["another path of the app", { callbackUrl: "http://app.test/api/merchant/users" }],
    ["a redirect to another site", { redirectUrl: "https://evil.example/phish" }],
    ["a redirect that is no URL", { redirectUrl: "javascript:alert(1)" }],
  ])("refuses %s (400)", async (_name, over) => {
    const answer = await read(await create(over));
    expect(answer.status).toBe(400);
    expect(errorCodeOf(answer)).toBe("BAD_REQUEST");
  });

  it(`one request sends at most ${MAX_CALLBACK_COPIES} copies of a callback`, async () => {
    let hits = 0;
    const server = createServer((req, res) => {
      hits++;
      req.resume();
      res.end("{}");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as AddressInfo).port;
    const created = await sandboxCreatePayment(
      db(),
      { ...createBody({ callbackUrl: `http://127.0.0.1:${port}/cb` }), redirectUrl: undefined },
      { withQrImage: false },
    );
    if (!created.ok) throw new Error(created.message);
    const statuses = await sendSandboxCallback(db(), created.payment, "COMPLETED", 200);
    server.close();
    expect(statuses).toHaveLength(MAX_CALLBACK_COPIES);
    expect(hits).toBe(MAX_CALLBACK_COPIES);
  });
});
