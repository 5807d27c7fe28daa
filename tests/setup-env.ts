import { copyFileSync, rmSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, inject } from "vitest";
import { resetEnvForTests } from "@/lib/env";

// Runs before each test file (in its own fork): a private copy of the migrated template database
// and a fixed, valid configuration. The copy is removed when the test file is done.
// With TEST_DATABASE_URL_PG the copy is a PostgreSQL database cloned from the run's template
// (tests/global-setup.ts), so the same tests run against PostgreSQL.
// The composition root and the database module are not imported here: a file that never uses
// them (most unit tests) is spared loading the whole app and Prisma's clients (about a quarter
// of a second of CPU per file).

const TEST_SECRET = "test-bitrix-shared-secret-0123456789";
const pgServer = process.env.TEST_DATABASE_URL_PG;
const fileTag = `${process.pid}_${randomBytes(6).toString("hex")}`;

let cleanUp: () => Promise<void>;
if (pgServer) {
  const { databaseUrlFor, dropDatabase, recreateDatabase } = await import("@/scripts/pg-database.mjs");
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

// The process-wide gateway and database client (globalThis holders of lib/container.ts and
// lib/db.ts) are reset and closed when the file set them; they are imported only then, when they
// are already loaded. On PostgreSQL the client is always closed before its database is dropped.
const holders = globalThis as { __kaspiGateway?: unknown; __checkoutDb?: unknown };
afterAll(async () => {
  if (holders.__kaspiGateway) (await import("@/lib/container")).setKaspiGatewayForTests(undefined);
  if (holders.__checkoutDb || pgServer) await (await import("@/lib/db")).disconnectDb();
  await cleanUp();
});
