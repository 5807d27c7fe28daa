#!/usr/bin/env node
// npm start: migrate the database, build if there is no build, serve, and (with the built-in
// Kaspi sandbox) print a link to a ready demo order. `--dev` runs `next dev` instead.
import "dotenv/config";
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { tsImport } from "tsx/esm/api";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);
const dev = process.argv.includes("--dev");
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const log = (msg) => console.log(`[start] ${msg}`);

process.env.NEXT_TELEMETRY_DISABLED ??= "1";
process.env.PORT ||= "3000";
process.env.DATABASE_URL ||= "file:./data/checkout.db";
const port = process.env.PORT;
// Real Kaspi credentials per protocol (lib/env.ts decides the same way).
const protocol = process.env.KASPI_PROTOCOL || "ecom";
const credentials =
  {
    ecom: ["KASPI_TOKEN"],
    qr: ["KASPI_QR_DEVICE_TOKEN"],
    // KASPI_GATEWAY_SERVICE_ID is the first name (lib/env.ts reads it with a warning).
    checkpay: ["KASPI_CHECKPAY_SERVICE_ID", "KASPI_GATEWAY_SERVICE_ID"],
  }[protocol] ?? ["KASPI_TOKEN"];
const sandbox = !credentials.some((name) => process.env[name]) || process.env.KASPI_SANDBOX === "on";

mkdirSync(path.join(root, "data"), { recursive: true });
if (process.env.DATABASE_URL.startsWith("file:")) {
  mkdirSync(path.dirname(path.resolve(root, process.env.DATABASE_URL.slice(5))), { recursive: true });
}

// The embedded default needs no configuration: a shared secret is made once and kept in data/.
if (sandbox && !process.env.BITRIX_SHARED_SECRET) {
  const file = path.join(root, "data", ".shared-secret");
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600 });
  process.env.BITRIX_SHARED_SECRET = readFileSync(file, "utf8").trim();
  log("using the generated shared secret in data/.shared-secret (set BITRIX_SHARED_SECRET to choose one)");
}
// With the sandbox, the demo store plays Bitrix and receives the notifications.
if (sandbox && !process.env.BITRIX_NOTIFY_URL) {
  process.env.BITRIX_NOTIFY_URL = `http://127.0.0.1:${port}/sandbox/store/notify`;
}

const { parseEnv } = await tsImport("../lib/env.ts", import.meta.url);
let config;
try {
  config = parseEnv(process.env);
  for (const warning of config.warnings) console.warn(`[start] warning: ${warning}`);
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
}

function run(cmd, args) {
  const res = spawnSync(cmd, args, { stdio: "inherit", env: process.env });
  if (res.status !== 0) {
    console.error(`[start] ${path.basename(cmd)} ${args.join(" ")} failed`);
    process.exit(res.status ?? 1);
  }
}

log("applying database migrations");
run(bin("prisma"), ["migrate", "deploy"]);

// Embedded default: a first merchant admin, printed once, so the merchant area can be opened.
if (sandbox && process.env.DATABASE_URL.startsWith("file:")) {
  run(bin("tsx"), ["scripts/merchant-first-user.ts"]);
}

if (!dev && !existsSync(path.join(root, ".next", "BUILD_ID"))) {
  log("no production build yet: building (about a minute)");
  run(bin("next"), ["build"]);
}

const host = process.env.HOST || "0.0.0.0";
// Production: server.ts (Next's request handler behind a fast path for the status poll and stream).
const server = dev
  ? spawn(bin("next"), ["dev", "-p", port, "-H", host], { stdio: "inherit", env: process.env })
  : spawn(process.execPath, ["--import", "tsx", "server.ts", "-H", host], {
      stdio: "inherit",
      env: { ...process.env, NODE_ENV: "production" },
    });
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.kill(sig));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

if (config.sandboxEnabled) void announceDemo();

async function announceDemo() {
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 120; i++) {
    try {
      const res = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(5_000) });
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const body = JSON.stringify({
    externalId: `DEMO-${Date.now()}`,
    accountNumber: String(Math.floor(100_000 + Math.random() * 900_000)),
    amount: 12_500,
    currency: "KZT",
    description: "Demo order",
    returnUrl: `${config.appUrl}/sandbox/store`,
  });
  const { signatureHeaders } = await tsImport("../lib/bitrix-onprem/signature.ts", import.meta.url);
  const signed = signatureHeaders(config.BITRIX_SHARED_SECRET, { method: "POST", target: "/api/orders", body });
  try {
    const res = await fetch(`${base}/api/orders`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...signed },
      body,
    });
    const json = await res.json();
    console.log(
      [
        "",
        "  Kaspi Pay checkout is running with the built-in Kaspi SANDBOX (no real money).",
        `  Demo order to pay:   ${json.checkoutUrl}`,
        `  Demo store (iframe): ${config.appUrl}/sandbox/store`,
        "",
      ].join("\n"),
    );
  } catch {
    log("could not create the demo order; open /sandbox/store to make one");
  }
}
