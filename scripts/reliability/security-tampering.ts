// Scenario 7, continued: the abuse the production-safety issue names, against the running app.
//   a) spoofed X-Forwarded-For from a direct client does not dodge the per-address limit;
//   b) a sign-in hammer on an account while its owner signs in from another address;
//   c) a replayed signature nonce;
//   d) a read-back signature reused for another order;
//   e) the app started on a public APP_URL without Kaspi credentials (must refuse to start).
// The app trusts 127.0.0.1 as its reverse proxy (TRUSTED_PROXIES, set in run.ts): requests from
// 127.0.0.1 stand for the proxy, requests bound to 127.0.0.2 for clients connecting directly.
import { spawn, spawnSync } from "node:child_process";
import { request } from "node:http";
import type { Ctx } from "./client";
import { intake } from "./client";
import { bin, freePort, nowSeconds, root, sign, sleep } from "./support";

/** One request through node:http, so a direct client can bind its own loopback address. */
function post(
  url: string,
  init: { headers?: Record<string, string>; body?: string; method?: string; viaDirect?: boolean },
): Promise<number> {
  return new Promise((resolve) => {
    const u = new URL(url);
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        method: init.method ?? "POST",
        headers: init.headers,
        timeout: 30_000,
        ...(init.viaDirect ? { localAddress: "127.0.0.2" } : {}),
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", () => resolve(0));
    req.on("timeout", () => req.destroy());
    req.end(init.body);
  });
}

export async function securityTampering(ctx: Ctx, S: string): Promise<void> {
  const login = ctx.app.url("/api/merchant/login");
  const origin = new URL(ctx.app.base).origin;
  const loginBody = (email: string, password: string) => JSON.stringify({ email, password });
  const JSON_H = { "Content-Type": "application/json", Origin: origin };

  // a) 60 sign-in posts from one direct client, each claiming another X-Forwarded-For. The login
  //    limit (RATE_LIMIT_LOGIN, 30/min) must see one address: at least 30 refused with 429.
  let limited = 0;
  for (let i = 0; i < 60; i++) {
    const status = await post(login, {
      headers: { ...JSON_H, "X-Forwarded-For": `198.51.100.${i}` },
      body: "{",
      viaDirect: true,
    });
    if (status === 429) limited++;
  }
  ctx.figures.add(
    S,
    "spoofed X-Forwarded-For: requests over the limit let through (of 30)",
    "0",
    30 - limited,
    limited >= 30,
  );

  // b) An owner account; an attacker hammers it through the proxy from one address while the owner
  //    signs in through the proxy from another.
  const email = `owner-${ctx.run}@shop.kz`.toLowerCase();
  const password = `owner-${ctx.run}-password`;
  const added = spawnSync(bin("tsx"), ["scripts/merchant-add-user.ts", email, "--role", "admin"], {
    cwd: root,
    env: { ...process.env, ...ctx.appEnv },
    input: `${password}\n`,
    encoding: "utf8",
  });
  if (added.status !== 0) throw new Error(`merchant:add-user failed: ${added.stderr}`);
  const attacker = { ...JSON_H, "X-Forwarded-For": "203.0.113.66" };
  const hammer = Array.from({ length: 25 }, (_, i) =>
    post(login, { headers: attacker, body: loginBody(email, `wrong-guess-${i}-password`) }),
  );
  await sleep(300);
  const owner = await post(login, {
    headers: { ...JSON_H, "X-Forwarded-For": "198.51.100.7" },
    body: loginBody(email, password),
  });
  const hammered = await Promise.all(hammer);
  ctx.figures.equal(S, "owner sign-in refused while an attacker hammers the account", 0, owner === 200 ? 0 : 1);
  ctx.figures.info(
    S,
    "sign-in hammer answers (401 wrong / 429 throttled)",
    `${hammered.filter((s) => s === 401).length} / ${hammered.filter((s) => s === 429).length}`,
  );

  // c) A fresh, valid intake sent twice exactly as signed: the copy must be refused.
  const raw = JSON.stringify({ externalId: `${ctx.run}-s7-nonce`, amount: 5_000, currency: "KZT" });
  const headers = { "Content-Type": "application/json", ...sign(ctx.secret, raw) };
  const first = await post(ctx.app.url("/api/orders"), { headers, body: raw });
  const replayed = await post(ctx.app.url("/api/orders"), { headers, body: raw });
  ctx.figures.equal(S, "replayed nonce accepted", 0, first === 201 && replayed === 401 ? 0 : 1);

  // d) A read-back signed for order A, sent for order B.
  const a = `${ctx.run}-s7-readA`;
  const b = `${ctx.run}-s7-readB`;
  if (!(await intake(ctx, a, 5_000)) || !(await intake(ctx, b, 5_000))) throw new Error("intake failed");
  const forA = sign(ctx.secret, "", {
    method: "GET",
    target: `/api/orders/${encodeURIComponent(a)}`,
    at: nowSeconds(),
  });
  const okA = await post(ctx.app.url(`/api/orders/${encodeURIComponent(a)}`), { method: "GET", headers: forA });
  const forA2 = sign(ctx.secret, "", { method: "GET", target: `/api/orders/${encodeURIComponent(a)}` });
  const onB = await post(ctx.app.url(`/api/orders/${encodeURIComponent(b)}`), { method: "GET", headers: forA2 });
  ctx.figures.equal(S, "read-back signature reused for another order accepted", 0, okA === 200 && onB === 401 ? 0 : 1);

  // e) The same build started on a public APP_URL with no Kaspi credentials and no KASPI_PROTOCOL
  //    must refuse to start, naming the variable and the three contracts (one line each).
  const port = await freePort([ctx.app.config.port]);
  const refused = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, ["server.mjs", "-H", "127.0.0.1"], {
      cwd: root,
      env: {
        ...process.env,
        ...ctx.appEnv,
        PORT: String(port),
        APP_URL: "https://pay.example.kz",
        KASPI_SANDBOX: "auto",
        KASPI_TOKEN: "",
        KASPI_PROTOCOL: "",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
  const named =
    refused.output.includes("KASPI_PROTOCOL: is required outside the sandbox") &&
    ["qr", "checkpay", "ecom"].every((p) => new RegExp(`\\n {2}${p} +— `).test(refused.output));
  ctx.figures.add(
    S,
    "start on a public APP_URL without credentials or KASPI_PROTOCOL",
    "refused, naming KASPI_PROTOCOL and the three contracts",
    refused.code !== 0 && refused.code !== null && named ? "refused" : `exit ${refused.code}`,
    refused.code !== 0 && refused.code !== null && named,
  );
}
