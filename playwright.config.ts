import { existsSync } from "node:fs";
import { defineConfig, devices } from "@playwright/test";
import {
  APP_PORT,
  APP_URL,
  BITRIX_ORIGIN,
  E2E_DATABASE_URL,
  E2E_SECRET,
  PROTOCOL,
  STUB_PORT,
  STUB_URL,
} from "./e2e/support/constants";

// E2E against the production build (`node scripts/start.mjs` → server.mjs, the app's one server) with the built-in
// Kaspi sandbox, plus a Bitrix stand-in (e2e/support/bitrix-stub.mjs) that receives the app's
// notifications and hosts the checkout in an iframe on another origin.

const CI = !!process.env.CI;

// Playwright's own browser download cannot work on these machines: prefer Debian's Chromium,
// fall back to Playwright's bundled one (undefined) where it has been installed.
const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const executablePath = existsSync(chromiumPath) ? chromiumPath : undefined;

export default defineConfig({
  testDir: "e2e",
  forbidOnly: CI,
  retries: CI ? 1 : 0,
  workers: 2,
  fullyParallel: true,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: "list",
  outputDir: "test-results/playwright",
  use: {
    baseURL: APP_URL,
    trace: "on-first-retry",
    // Kaspi QR gives phones a link and other screens a QR: the shared suite pays by link, as a phone.
    ...(PROTOCOL === "qr" ? devices["Pixel 7"] : devices["Desktop Chrome"]),
    launchOptions: { executablePath },
  },
  projects: [
    { name: `chromium-${PROTOCOL}`, testIgnore: /merchant-qr\.spec\.ts/ },
    // Starts its own app with KASPI_PROTOCOL=qr (refunds in the sandbox): once, in the ecom run.
    ...(PROTOCOL === "ecom" ? [{ name: "merchant-qr", testMatch: /merchant-qr\.spec\.ts/ }] : []),
  ],
  webServer: [
    {
      name: "app",
      // A fresh database every run; start.mjs migrates it and builds if .next/BUILD_ID is missing.
      command: E2E_DATABASE_URL.startsWith("file:")
        ? `mkdir -p data && rm -f data/e2e-${PROTOCOL}.db* && node scripts/start.mjs`
        : `node scripts/pg-database.mjs recreate '${E2E_DATABASE_URL}' && node scripts/start.mjs`,
      url: `${APP_URL}/api/health`,
      timeout: 240_000,
      reuseExistingServer: !CI,
      stdout: "pipe",
      env: {
        PORT: String(APP_PORT),
        HOST: "127.0.0.1",
        APP_URL,
        DATABASE_URL: E2E_DATABASE_URL,
        KASPI_PROTOCOL: PROTOCOL,
        BITRIX_SHARED_SECRET: E2E_SECRET,
        BITRIX_NOTIFY_URL: `${STUB_URL}/notify`,
        BITRIX_ORIGINS: BITRIX_ORIGIN,
        WORKER_INTERVAL_MS: "300",
        // Receipts against the sandbox's Webkassa simulator (docs/fiscal.md §9): e2e/fiscal-receipts.spec.ts.
        FISCAL_PROVIDER: "webkassa",
        NEXT_TELEMETRY_DISABLED: "1",
        // Whatever the shell has, the e2e run talks to the built-in sandbox.
        KASPI_TOKEN: "",
        KASPI_BASE_URL: "",
      },
    },
    {
      name: "bitrix",
      command: "node e2e/support/bitrix-stub.mjs",
      url: `${STUB_URL}/health`,
      timeout: 20_000,
      reuseExistingServer: !CI,
      env: { BITRIX_STUB_PORT: String(STUB_PORT), BITRIX_SHARED_SECRET: E2E_SECRET },
    },
  ],
});
