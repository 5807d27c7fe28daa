#!/usr/bin/env node
// npm start: migrate the database, build if there is no build, serve through server.mjs, and
// (with the built-in Kaspi sandbox) print a first merchant user and a link to a ready demo order.
// `--dev` (npm run dev) serves the same server.mjs in development mode instead of a build.
// Plain JavaScript on Node: nothing here needs a devDependency. The configuration is checked by
// the server as it starts (lib/node-services.ts), which stops with the variable's name.
import "dotenv/config";
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

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
const credentials = {
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
// ...and the demo issues its fiscal receipts to the sandbox's Webkassa simulator (no account, no
// outside call), so the Paid screen shows a receipt link. The app's own default stays `none`.
if (sandbox && !process.env.FISCAL_PROVIDER && !process.env.WEBKASSA_API_KEY) {
  process.env.FISCAL_PROVIDER = "webkassa";
  log("fiscal receipts go to the sandbox's Webkassa simulator (set FISCAL_PROVIDER=none to turn them off)");
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

if (!dev && !existsSync(path.join(root, ".next", "BUILD_ID"))) {
  log("no production build yet: building (about a minute)");
  run(bin("next"), ["build"]);
}

const host = process.env.HOST || "0.0.0.0";
// The same server in both modes; --welcome: the first merchant user and the demo order, once it listens.
const server = spawn(process.execPath, ["server.mjs", "-H", host, ...(dev ? ["--dev"] : []), "--welcome"], {
  stdio: "inherit",
  env: { ...process.env, NODE_ENV: dev ? "development" : "production" },
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.kill(sig));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
