import { copyFileSync, rmSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, inject } from "vitest";
import { setKaspiGatewayForTests } from "@/lib/container";
import { disconnectDb } from "@/lib/db";
import { resetEnvForTests } from "@/lib/env";
import { databaseUrlFor, dropDatabase, recreateDatabase } from "@/scripts/pg-database.mjs";

// Runs before each test file (in its own fork): a private copy of the migrated template database
// and a fixed, valid configuration. The copy is removed when the test file is done.
// With TEST_DATABASE_URL_PG the copy is a PostgreSQL database cloned from the run's template
// (tests/global-setup.ts), so the same tests run against PostgreSQL.

const TEST_SECRET = "test-bitrix-shared-secret-0123456789";
const pgServer = process.env.TEST_DATABASE_URL_PG;
const fileTag = `${process.pid}_${randomBytes(6).toString("hex")}`;

let cleanUp: () => Promise<void>;
if (pgServer) {
  const url = databaseUrlFor(pgServer, `kc_t_${fileTag}`);
  await recreateDatabase(url, inject("pgTemplate"));
  process.env.DATABASE_URL = url;
  cleanUp = () => dropDatabase(url);
} else {
  const dbFile = path.resolve(`data/test-${fileTag}.db`);
  copyFileSync(inject("sqliteTemplate"), dbFile);
  process.env.DATABASE_URL = `file:${dbFile}`;
  cleanUp = async () => {
    for (const suffix of ["", "-journal", "-wal", "-shm"]) rmSync(`${dbFile}${suffix}`, { force: true });
  };
}

process.env.BITRIX_SHARED_SECRET = TEST_SECRET;
process.env.APP_URL = "http://app.test";
process.env.BITRIX_ORIGINS = "https://shop.example.kz";
process.env.WORKER_ENABLED = "false";
process.env.LOG_LEVEL = "silent";
// Pinned so a developer's shell cannot change what the tests expect (limits, tolerance, texts).
Object.assign(process.env, {
  NODE_ENV: "test",
  ORDER_MIN_AMOUNT: "100",
  ORDER_MAX_AMOUNT: "5000000",
  SIGNATURE_TOLERANCE_SECONDS: "300",
  MERCHANT_NAME: "Demo store",
  // APP_URL above is not loopback: the sandbox must be asked for explicitly (lib/env.ts fails closed).
  KASPI_SANDBOX: "on",
  KASPI_ECOM_PRESENTATION: "link",
});
delete process.env.KASPI_TOKEN;
delete process.env.KASPI_BASE_URL;
resetEnvForTests();

afterAll(async () => {
  setKaspiGatewayForTests(undefined);
  await disconnectDb();
  await cleanUp();
});
