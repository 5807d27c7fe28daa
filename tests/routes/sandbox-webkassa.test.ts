import { afterEach, describe, expect, it } from "vitest";
import { POST as webkassaApi } from "@/app/sandbox/webkassa/api/v4/[...path]/route";
import { DELETE as clearFaults, POST as addFault } from "@/app/sandbox/webkassa/test/faults/route";
import { GET as state } from "@/app/sandbox/webkassa/test/state/route";
import { resetEnvForTests } from "@/lib/env";
import { SANDBOX_WEBKASSA } from "@/lib/fiscal/settings";
import { BASE, jsonRequest, read } from "../helpers";

// The Webkassa simulator's routes through the real handlers: Webkassa's envelope for its API (a bad
// request is an Errors answer, never a 500), the app's error body for its controls, and 404 where
// the sandbox is off.

const call = (path: string, body: unknown, apiKey: string | null = SANDBOX_WEBKASSA.apiKey) =>
  webkassaApi(
    new Request(`${BASE}/sandbox/webkassa/api/v4/${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(apiKey ? { "x-api-key": apiKey } : {}) },
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
    { params: Promise.resolve({ path: path.split("/") }) },
  );

afterEach(async () => {
  await clearFaults();
});

describe("/sandbox/webkassa/api/v4", () => {
  it("Authorize with the simulator's cashier answers a token in Data; a wrong password is code 1", async () => {
    const good = await read(
      await call("Authorize", { Login: SANDBOX_WEBKASSA.login, Password: SANDBOX_WEBKASSA.password }),
    );
    expect(good).toMatchObject({ status: 200, body: { Data: { Token: expect.stringMatching(/^[0-9a-f]{32}$/) } } });
    const bad = await read(await call("Authorize", { Login: SANDBOX_WEBKASSA.login, Password: "x" }));
    expect(bad).toMatchObject({ status: 200, body: { Errors: [{ Code: 1 }] } });
  });

  it.each([
    ["no API key", "Authorize", {}, null, 3],
    ["not JSON", "Authorize", "{not json", SANDBOX_WEBKASSA.apiKey, 9],
    ["a JSON array", "check", "[1,2]", SANDBOX_WEBKASSA.apiKey, 9],
    ["no token", "check", { CashboxUniqueNumber: SANDBOX_WEBKASSA.cashboxId }, SANDBOX_WEBKASSA.apiKey, 3],
    ["an unknown token", "Cashboxes", { Token: "nope" }, SANDBOX_WEBKASSA.apiKey, 3],
  ])("%s → Errors [{ Code: %s }] with HTTP 200", async (_, path, body, key, code) => {
    const answer = await read(await call(path as string, body, key as string | null));
    expect(answer).toMatchObject({ status: 200, body: { Errors: [{ Code: code }] } });
  });

  it("an unknown method is a 404 in Webkassa's envelope", async () => {
    const answer = await read(await call("Nope/Thing", {}));
    expect(answer).toMatchObject({ status: 404, body: { Errors: [{ Code: -1 }] } });
  });

  it("Check/History names the case-insensitive fields (lower-case keys are read too)", async () => {
    const auth = await read<{ Data: { Token: string } }>(
      await call("Authorize", { login: SANDBOX_WEBKASSA.login, password: SANDBOX_WEBKASSA.password }),
    );
    const answer = await read(
      await call("Check/History", {
        token: auth.body.Data.Token,
        cashboxUniqueNumber: SANDBOX_WEBKASSA.cashboxId,
        shiftNumber: 999,
      }),
    );
    expect(answer).toMatchObject({ status: 200, body: { Errors: [{ Code: 15 }] } });
  });
});

describe("/sandbox/webkassa/test", () => {
  it("faults: a valid one is 201; a bad one is 422 naming the field; the state lists receipts and concurrency", async () => {
    expect(
      (
        await read(
          await addFault(jsonRequest("/sandbox/webkassa/test/faults", { operation: "check", kind: "error", code: 7 })),
        )
      ).status,
    ).toBe(201);
    const bad = await read(
      await addFault(jsonRequest("/sandbox/webkassa/test/faults", { operation: "check", kind: "error" })),
    );
    expect(bad).toMatchObject({ status: 422, body: { error: { code: "VALIDATION_FAILED" } } });
    const unknown = await read(
      await addFault(jsonRequest("/sandbox/webkassa/test/faults", { operation: "refund", kind: "drop" })),
    );
    expect(unknown.status).toBe(422);
    const s = await read(await state());
    expect(s).toMatchObject({
      status: 200,
      body: { checks: expect.any(Array), shifts: expect.any(Array), maxInFlight: expect.any(Number) },
    });
  });

  it("404 SANDBOX_DISABLED where the sandbox is off", async () => {
    Object.assign(process.env, { KASPI_SANDBOX: "off", KASPI_TOKEN: "live-token", KASPI_PROTOCOL: "ecom" });
    resetEnvForTests();
    try {
      expect(await read(await state())).toMatchObject({ status: 404, body: { error: { code: "SANDBOX_DISABLED" } } });
      expect((await call("Authorize", {})).status).toBe(404);
    } finally {
      Object.assign(process.env, { KASPI_SANDBOX: "on" });
      delete process.env.KASPI_TOKEN;
      delete process.env.KASPI_PROTOCOL;
      resetEnvForTests();
    }
  });
});
