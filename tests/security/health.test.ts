import { afterEach, describe, expect, it } from "vitest";
import { GET as health } from "@/app/api/health/route";
import { resetEnvForTests } from "@/lib/env";
import { read } from "../helpers";
import { signedIn } from "../merchant/merchant-helpers";

// Issue section 5: without credentials /api/health says only ok/degraded.

const TOKEN = "health-token-for-tests-0123";
afterEach(() => {
  delete process.env.HEALTH_TOKEN;
  resetEnvForTests();
});

const get = (headers: Record<string, string> = {}) => new Request("http://app.test/api/health", { headers });

describe("GET /api/health", () => {
  it("anonymous: only the status", async () => {
    expect(await read(await health(get()))).toEqual({ status: 200, body: { status: "ok" } });
  });

  it("HEALTH_TOKEN (Bearer) or a merchant session: the figures too; a wrong token: status only", async () => {
    process.env.HEALTH_TOKEN = TOKEN;
    resetEnvForTests();
    const withToken = await read(await health(get({ Authorization: `Bearer ${TOKEN}` })));
    expect(withToken.body).toMatchObject({ status: "ok", database: "ok", outboxBacklog: expect.any(Number) as number });
    const wrong = await read(await health(get({ Authorization: `Bearer ${TOKEN}x` })));
    expect(wrong.body).toEqual({ status: "ok" });
    const viewer = await signedIn("viewer");
    const withSession = await read(await health(get({ Cookie: viewer.cookie })));
    expect(withSession.body).toHaveProperty("outboxBacklog");
  });
});
