// npm run kaspi:qr:smoke — the whole Kaspi QR checkout through Kaspi's own test endpoints
// (test/payment/scan|confirm|scanerror|confirmerror, docs/kaspi.md §2, Public QR API v3.9 §5),
// against whatever KASPI_QR_BASE_URL points at: the built-in sandbox by default, or Kaspi's test
// host (https://mtokentest.kaspi.kz:8543/r1/v01/ …) with a merchant's test kit (KASPI_QR_API_KEY
// or the client certificate, KASPI_QR_DEVICE_TOKEN). It starts this app's production build on its
// own port and database, then, as Bitrix and as the shopper:
//   1. health/ping;
//   2. order → QR → scan → the checkout says "confirm in Kaspi" → confirm → PAID (by polling);
//   3. order → QR → scanerror → FAILED;
//   4. order → link → confirmerror before a scan is refused → scan → confirmerror → FAILED.
// Exit code 0 when every step passed. Needs `next build` first.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { signatureHeaders } from "../lib/bitrix-onprem/signature";

const PORT = Number(process.env.KASPI_QR_SMOKE_PORT ?? 3460);
const APP = `http://127.0.0.1:${PORT}`;
const DB_FILE = "data/kaspi-qr-smoke.db";
const SECRET = process.env.BITRIX_SHARED_SECRET ?? "kaspi-qr-smoke-shared-secret-0123456789";
const scheme = process.env.KASPI_QR_SCHEME ?? "r1";
const sandbox = !process.env.KASPI_QR_BASE_URL;

Object.assign(process.env, {
  PORT: String(PORT),
  APP_URL: APP,
  DATABASE_URL: `file:./${DB_FILE}`,
  BITRIX_SHARED_SECRET: SECRET,
  BITRIX_NOTIFY_URL: "",
  KASPI_PROTOCOL: "qr",
  KASPI_QR_SCHEME: scheme,
  WORKER_INTERVAL_MS: "300",
  NEXT_TELEMETRY_DISABLED: "1",
  LOG_LEVEL: "warn",
});

const { qrConnection } = await import("../lib/container");
const { qrCall } = await import("../lib/kaspi/qr-transport");
const { createQrSetup } = await import("../lib/kaspi/qr-gateway");
const { db } = await import("../lib/db");
const { z } = await import("zod");

let failures = 0;
const step = (ok: boolean, text: string) => {
  console.log(`${ok ? "✔" : "✖"} ${text}`);
  if (!ok) failures++;
  return ok;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  let v = await read();
  while (!done(v) && Date.now() < end) {
    await sleep(300);
    v = await read();
  }
  return v;
}

if (!existsSync(".next/BUILD_ID")) {
  console.error("no production build: run `npx next build` first");
  process.exit(2);
}
mkdirSync("data", { recursive: true });
rmSync(DB_FILE, { force: true });
rmSync(`${DB_FILE}-journal`, { force: true });
const migrate = spawnSync("node_modules/.bin/prisma", ["migrate", "deploy"], { env: process.env, stdio: "pipe" });
if (migrate.status !== 0) {
  console.error(migrate.stderr.toString());
  process.exit(2);
}
const app = spawn(process.execPath, ["server.mjs", "-H", "127.0.0.1"], {
  env: process.env,
  stdio: ["ignore", "ignore", "inherit"],
});
const stop = () => app.kill("SIGTERM");
process.on("exit", stop);

try {
  const health = await until(
    () =>
      fetch(`${APP}/api/health`)
        .then((r) => r.status)
        .catch(() => 0),
    (s) => s === 200,
    60_000,
  );
  if (health !== 200) throw new Error("the app did not start");
  const connection = qrConnection();
  console.log(`Kaspi QR ${connection.scheme} at ${connection.baseUrl}${sandbox ? " (built-in sandbox)" : ""}`);
  const setup = createQrSetup(connection);
  step((await setup.ping()).ok, "health/ping");

  // The test endpoints answer {"StatusCode", "message"}; qrCall reads StatusCode (0 → ok).
  const testStep = async (action: string, qrPaymentId: string) => {
    const res = await qrCall(
      connection,
      { method: "POST", path: `test/payment/${action}`, body: { qrPaymentId } },
      z.unknown(),
    );
    return res.ok;
  };

  let n = 0;
  async function checkout(device: "desktop" | "mobile") {
    const externalId = `smoke-${Date.now().toString(36)}-${++n}`;
    const raw = JSON.stringify({ externalId, amount: 1_000 + n, currency: "KZT" });
    const made = await fetch(`${APP}/api/orders`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...signatureHeaders(SECRET, { method: "POST", target: "/api/orders", body: raw }),
      },
      body: raw,
    });
    const { orderId, checkoutUrl } = (await made.json()) as { orderId: string; checkoutUrl: string };
    const token = new URL(checkoutUrl).pathname.split("/").pop() ?? "";
    const started = await fetch(`${APP}/api/checkout/${token}/payment`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ device }),
    });
    const view = (await started.json()) as { status: string; qr?: unknown; paymentLink?: string };
    const payment = await db().payment.findFirst({ where: { orderId }, orderBy: { attempt: "desc" } });
    const status = () =>
      fetch(`${APP}/api/checkout/${token}/status`).then((r) => r.json() as Promise<{ status: string; stage?: string }>);
    return { view, kaspiPaymentId: payment?.kaspiPaymentId ?? "", status };
  }

  // 2. scan → Wait → confirm → Processed: the app sees each step by polling payment/status.
  const a = await checkout("desktop");
  step(
    a.view.status === "PENDING" && a.view.qr !== undefined && !!a.kaspiPaymentId,
    `qr/create → QrPaymentId ${a.kaspiPaymentId}`,
  );
  step(await testStep("scan", a.kaspiPaymentId), "test/payment/scan");
  const scanned = await until(a.status, (s) => s.stage === "awaiting_confirmation");
  step(scanned.stage === "awaiting_confirmation", "the checkout says: confirm in the Kaspi app (Wait)");
  step(await testStep("confirm", a.kaspiPaymentId), "test/payment/confirm");
  step((await until(a.status, (s) => s.status === "PAID")).status === "PAID", "the checkout flips to PAID (Processed)");

  // 3. scanerror → Error.
  const b = await checkout("desktop");
  step(await testStep("scanerror", b.kaspiPaymentId), "test/payment/scanerror");
  step((await until(b.status, (s) => s.status === "FAILED")).status === "FAILED", "the checkout shows FAILED (Error)");

  // 4. a link: confirmerror only after a scan.
  const c = await checkout("mobile");
  step(!!c.view.paymentLink, `qr/create-link → ${c.view.paymentLink ?? "no link"}`);
  step(!(await testStep("confirmerror", c.kaspiPaymentId)), "test/payment/confirmerror before a scan is refused");
  step(await testStep("scan", c.kaspiPaymentId), "test/payment/scan (link)");
  step(await testStep("confirmerror", c.kaspiPaymentId), "test/payment/confirmerror");
  step((await until(c.status, (s) => s.status === "FAILED")).status === "FAILED", "the checkout shows FAILED (Error)");
} catch (e) {
  step(false, e instanceof Error ? e.message : String(e));
} finally {
  stop();
  await db()
    .$disconnect()
    .catch(() => undefined);
}
console.log(failures ? `kaspi:qr:smoke: ${failures} step(s) failed` : "kaspi:qr:smoke: every step passed");
process.exit(failures ? 1 : 0);
