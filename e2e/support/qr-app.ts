import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { expect } from "@playwright/test";
import { APP_PORT, E2E_SECRET } from "./constants";

// A second app on the same production build, for one Kaspi QR scheme (r2 or r3): a scheme is
// app-wide configuration, and the main e2e run of the qr protocol uses r1. Own port and database.

export type QrApp = { url: string; databaseUrl: string; stop: () => void };

const OFFSET = { r1: 0, r2: 1, r3: 2 } as const;

export async function startQrApp(scheme: "r1" | "r2" | "r3"): Promise<QrApp> {
  const port = Number(process.env.E2E_QR_PORT ?? APP_PORT + 90) + OFFSET[scheme];
  const url = `http://127.0.0.1:${port}`;
  const file = `data/e2e-merchant-qr-${scheme}.db`;
  const databaseUrl = `file:./${file}`;
  const env = {
    ...process.env,
    PORT: String(port),
    APP_URL: url,
    DATABASE_URL: databaseUrl,
    BITRIX_SHARED_SECRET: E2E_SECRET,
    BITRIX_NOTIFY_URL: "",
    KASPI_PROTOCOL: "qr",
    KASPI_QR_SCHEME: scheme,
    KASPI_QR_ORGANIZATION_BIN: scheme === "r3" ? "123456789012" : "",
    KASPI_QR_BASE_URL: "",
    KASPI_QR_DEVICE_TOKEN: "",
    KASPI_TOKEN: "",
    KASPI_BASE_URL: "",
    WORKER_INTERVAL_MS: "300",
    NEXT_TELEMETRY_DISABLED: "1",
  };
  execFileSync("sh", ["-c", `rm -f ${file}* && node_modules/.bin/prisma migrate deploy`], { env, stdio: "pipe" });
  // The app's one server (server.mjs), as `npm start` runs it after migrating.
  const server: ChildProcess = spawn(process.execPath, ["server.mjs", "-H", "127.0.0.1"], {
    env,
    stdio: "ignore",
  });
  // A loaded machine (npm test runs other suites beside the e2e lane) can take minutes to start a
  // second app; one that never comes up is stopped, so that a retry does not meet it on its port.
  try {
    await expect
      .poll(async () => (await fetch(`${url}/api/health`).catch(() => null))?.status ?? 0, { timeout: 180_000 })
      .toBe(200);
  } catch (error) {
    server.kill("SIGKILL");
    throw error;
  }
  return { url, databaseUrl, stop: () => server.kill("SIGTERM") };
}
