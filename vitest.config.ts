import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import type { TestProjectInlineConfiguration } from "vitest/config";

// Four projects (`vitest run --project unit`, …); each test file runs in a fork of its own with a
// private copy of the migrated database (tests/setup-env.ts, tests/global-setup.ts).
// - unit: in-process tests: the code under test runs inside the test's process, on a SQLite copy.
//   No build, no browser, no server process: what `npm run test:quick` runs.
// - integration: tests that start other programs (the production build as a process, PHP's
//   php-cli and built-in server, Chromium). They all do it through tests/support/processes.ts,
//   which is how they are told apart from unit tests: a new test that imports it is an
//   integration test without anyone having to list it.
// - postgres (only with TEST_DATABASE_URL_PG, a server URL): again on PostgreSQL, every unit test
//   file whose behaviour can differ between the two databases (SQLITE_ONLY below says what is left
//   out and why), and the PostgreSQL-only unit test files.
// - postgres-integration (the same): the integration tests that start their processes on
//   PostgreSQL when given one (they read TEST_DATABASE_URL_PG; the others start the app on a SQLite
//   file of their own, so a second run would repeat the first), and the PostgreSQL-only ones. Apart
//   from postgres, as they bind the same fixed ports as their integration run (scripts/test.mjs
//   runs it after that; `--project 'postgres*'` runs both).
// unit and integration always run on SQLite, whatever the shell's TEST_DATABASE_URL_PG says.

const root = fileURLToPath(new URL("./", import.meta.url));

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...testFiles(rel));
    else if (entry.name.endsWith(".test.ts")) out.push(rel);
  }
  return out;
}

const ALL = ["lib", "app", "tests"].flatMap((dir) => testFiles(dir)).sort();

/** Files that make sense only on PostgreSQL (they skip themselves without it). */
const POSTGRES_ONLY = ["tests/instances/two-instances.test.ts", "tests/schema/pg-adapter.test.ts"];

const source = (file: string) => readFileSync(path.join(root, file), "utf8");
const startsProcesses = (file: string) => /support\/processes["']/.test(source(file));
const INTEGRATION = ALL.filter((file) => !POSTGRES_ONLY.includes(file) && startsProcesses(file));
const UNIT = ALL.filter((file) => !POSTGRES_ONLY.includes(file) && !INTEGRATION.includes(file));

// Not run again on PostgreSQL. Everything else is, so a new test file runs on both databases until
// someone shows here that it cannot tell them apart. What differs between the two, and stays on
// PostgreSQL: SQL dialect (raw SQL, NUL bytes and long text through the routes: tests/fuzz/routes),
// transactions, locking and compare-and-set under concurrency (tests/db, the use cases, the
// outbox, leases, refunds, unique keys: nonces, idempotent intake), counters kept in the database
// (sign-in throttling, Bitrix24 REST budgets, remote look-up limits), LISTEN/NOTIFY and the
// lock-free reader (lib/live), case-insensitive search (tests/merchant/list), migrations
// (tests/schema/postgres-twins, pg-adapter) and two instances on one database (tests/instances).
const SQLITE_ONLY: { reason: string; files: string[] }[] = [
  {
    reason: "no database at all (none of them opens a connection): pure code, parsers, HTTP clients against stand-ins",
    files: [
      "lib/bitrix-onprem/signature.test.ts",
      "lib/bitrix24/oauth.test.ts",
      "lib/db-sqlite.test.ts",
      "lib/env.test.ts",
      "lib/env-kaspi.test.ts",
      "lib/env-sandbox.test.ts",
      "lib/kaspi/checkpay-ip.test.ts",
      "lib/kaspi/circuit-breaker.test.ts",
      "lib/kaspi/coalesced-reads.test.ts",
      "lib/kaspi/ecom-gateway.test.ts",
      "lib/kaspi/ecom-status.test.ts",
      "lib/kaspi/qr-dates.test.ts",
      "lib/kaspi/qr-gateway.test.ts",
      "lib/kaspi/qr-mtls.test.ts",
      "lib/live/status-hub.test.ts",
      "lib/merchant/hash-slots.test.ts",
      "lib/money.test.ts",
      "lib/payments/checkout-view-guards.test.ts",
      "lib/payments/state-machine.test.ts",
      "lib/phone.test.ts",
      "lib/slots.test.ts",
      "lib/stores/secrets.test.ts",
      "tests/bitrix/signature-vectors.test.ts",
      "tests/bitrix24/checkout-budget.test.ts",
      "tests/bitrix24/env.test.ts",
      "tests/fuzz/address-lists.test.ts",
      "tests/fuzz/parsers.test.ts",
      "tests/openapi/document.test.ts",
      "tests/routes/proxy.test.ts",
      "tests/schema/engines.test.ts",
      "tests/security/client-address.test.ts",
      "tests/security/headers.test.ts",
    ],
  },
  {
    reason:
      "SQLite's own migrations, applied to a database file of the test's own (PostgreSQL's: tests/schema/postgres-twins.test.ts)",
    files: ["tests/schema/migrations.test.ts"],
  },
  {
    reason:
      "the database only stores what the test set up; what is checked is the HTTP shape, a configuration rule, or something counted or timed in the process, the same on both. The database paths they pass through run on PostgreSQL in the tests named",
    files: [
      "lib/http/read-request.test.ts", // body reading and limits
      // callback rounds and floods, timed in the process (the callback's database path:
      // tests/routes/callback*.test.ts; 100 concurrent PAID transitions: tests/db/concurrent-claims)
      "lib/payments/handle-callback-use-case.test.ts",
      "tests/openapi/answers.test.ts", // answers against the OpenAPI document (routes: tests/routes/*)
      "tests/security/callback.test.ts", // forged callbacks answered alike (tests/routes/callback*)
      "tests/security/health.test.ts", // who sees the figures (counts through Prisma)
      "tests/security/mode.test.ts", // sandbox or live, stored once (tests/routes/orders)
      "tests/security/sandbox.test.ts", // the sandbox's URL checks
      "tests/security/stream-caps.test.ts", // caps counted in the process (lib/live on PostgreSQL)
      "tests/bitrix24/bitrix24.test.ts", // the connector's REST shapes (its budgets: tests/bitrix24/rest-budget)
      "tests/merchant/return-qr.test.ts", // the r2 return-QR rule (refunds: tests/merchant/refunds, tests/bitrix/refunds-route)
    ],
  },
];

const POSTGRES = [
  ...UNIT.filter((file) => !SQLITE_ONLY.some((group) => group.files.includes(file))),
  ...POSTGRES_ONLY.filter((file) => !startsProcesses(file)),
];
const POSTGRES_INTEGRATION = [
  ...INTEGRATION.filter((file) => source(file).includes("TEST_DATABASE_URL_PG")),
  ...POSTGRES_ONLY.filter(startsProcesses),
].sort();

const alias = { "@": root };

// Vitest's own default is one worker fewer than there are cores: on a 2-core machine, one file at
// a time. A `vitest run` of every project runs them one after another (groupOrder), as their
// worker counts differ.
const cores = availableParallelism();

function project(
  name: string,
  groupOrder: number,
  maxWorkers: number,
  include: string[],
  env?: Record<string, string>,
): TestProjectInlineConfiguration {
  return {
    resolve: { alias },
    test: {
      name,
      include,
      env,
      maxWorkers,
      sequence: { groupOrder },
      environment: "node",
      setupFiles: ["tests/setup-env.ts"],
      pool: "forks",
      testTimeout: 20_000,
    },
  };
}

const projects = [
  project("unit", 0, cores, UNIT, { TEST_DATABASE_URL_PG: "" }),
  // One file at a time: they start app processes on fixed ports, and some files share ports.
  project("integration", 1, 1, INTEGRATION, { TEST_DATABASE_URL_PG: "" }),
];
if (process.env.TEST_DATABASE_URL_PG) {
  projects.push(project("postgres", 2, cores, POSTGRES), project("postgres-integration", 3, 1, POSTGRES_INTEGRATION));
}

export default defineConfig({
  resolve: { alias },
  test: {
    // Runs once per `vitest run`, before any project's files (migrates the templates).
    globalSetup: ["tests/global-setup.ts"],
    projects,
  },
});
