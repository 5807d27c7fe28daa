// npm run test:reliability [-- --short] [-- --only=1,4] [-- --keep]
//
// Runs the app as a real server.mjs process against its Kaspi sandbox, with a Bitrix stand-in
// that verifies and counts notifications, and measures scenarios 1–5 and 7 of the reliability
// suite (6, the fast-check fuzz tests, runs under vitest from tests/fuzz/; the full run includes
// it). Prints one table of figures and exits non-zero if any figure misses.
// --short: reduced sizes (what `npm test` runs). --keep: keep the database and app log.
// --postgres: against PostgreSQL (TEST_DATABASE_URL_PG names the server).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Ctx } from "./client";
import { databaseUrlFor, dropDatabase, recreateDatabase } from "../pg-database.mjs";
import { PgStore } from "./pg-store";
import { scenario1, scenario2, scenario3, scenario4, scenario5, scenario7 } from "./scenarios";
import { AppProcess, BitrixReceiver, Figures, Store, bin, freePort, newRunDir, prepare, root } from "./support";

const args = process.argv.slice(2);
const short = args.includes("--short");
const keep = args.includes("--keep");
const only = args
  .find((a) => a.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",")
  .map((s) => s.trim());
const wanted = (n: string) => !only || only.includes(n);
const jsonOut = args.find((a) => a.startsWith("--json="))?.slice("--json=".length);

const started = performance.now();
const figures = new Figures();
const dir = newRunDir(short);
const dbFile = path.join(dir, "checkout.db");
// --postgres: the same suite on a fresh database of the PostgreSQL server in TEST_DATABASE_URL_PG.
const pgServer = args.includes("--postgres") ? process.env.TEST_DATABASE_URL_PG : undefined;
if (args.includes("--postgres") && !pgServer) throw new Error("--postgres needs TEST_DATABASE_URL_PG (a server URL)");
const databaseUrl = pgServer ? databaseUrlFor(pgServer, `kc_rel_${process.pid}`) : `file:${dbFile}`;
const secret = randomBytes(24).toString("hex");
const kaspiTimeoutMs = 2_500;

console.log(`[reliability] ${short ? "short" : "full"} run on ${pgServer ? "PostgreSQL" : "SQLite"}; files in ${path.relative(root, dir)}`);
if (pgServer) await recreateDatabase(databaseUrl);
prepare(databaseUrl);

const appPort = await freePort();
const bitrixPort = await freePort([appPort]);
const appEnv: Record<string, string> = {
  NODE_ENV: "production",
  NEXT_TELEMETRY_DISABLED: "1",
  PORT: String(appPort),
  APP_URL: `http://127.0.0.1:${appPort}`,
  DATABASE_URL: databaseUrl,
  BITRIX_SHARED_SECRET: secret,
  BITRIX_NOTIFY_URL: `http://127.0.0.1:${bitrixPort}/notify`,
  BITRIX_ORIGINS: `http://127.0.0.1:${bitrixPort}`,
  KASPI_SANDBOX: "auto",
  KASPI_TOKEN: "",
  KASPI_BASE_URL: "",
  KASPI_TIMEOUT_MS: String(kaspiTimeoutMs),
  WORKER_INTERVAL_MS: "500",
  RATE_LIMIT_INTAKE: "0",
  RATE_LIMIT_CHECKOUT: "0",
  RATE_LIMIT_CALLBACK: "0",
  RATE_LIMIT_STATUS: "0",
  RATE_LIMIT_SANDBOX: "0",
  // 127.0.0.1 plays the reverse proxy; scenario 7 connects from 127.0.0.2 as a direct client.
  TRUSTED_PROXIES: "127.0.0.1",
  LOG_LEVEL: "warn",
};

const bitrix = new BitrixReceiver(bitrixPort, secret);
await bitrix.start();
const app = new AppProcess({ port: appPort, dir, env: appEnv });
const store = pgServer ? new PgStore(databaseUrl) : new Store(dbFile);
const ctx: Ctx = {
  app,
  bitrix,
  store,
  figures,
  secret,
  short,
  run: `rel-${Date.now().toString(36)}`,
  appEnv,
  kaspiTimeoutMs,
};

const scenarios: [string, string, (c: Ctx) => Promise<void>][] = [
  ["1", "1 duplicate callbacks", scenario1],
  ["2", "2 forged callbacks", scenario2],
  ["3", "3 out-of-order callbacks", scenario3],
  ["4", "4 Kaspi faults 30 %", scenario4],
  ["5", "5 SIGKILL × restarts", scenario5],
  ["7", "7 tampering", scenario7],
];

/** Scenario 6 (full run only): the fuzz tests under vitest; their case counts come back in a file. */
async function scenario6(): Promise<void> {
  const S = "6 fuzz (fast-check)";
  const countFile = path.join(dir, "fuzz-counts.jsonl");
  const reportFile = path.join(dir, "fuzz-vitest.json");
  const code = await new Promise<number>((resolve) => {
    const child = spawn(
      bin("vitest"),
      // The unit project only: with TEST_DATABASE_URL_PG set, the postgres project would run
      // tests/fuzz/routes again and the case counts would add up twice.
      ["run", "tests/fuzz", "--project=unit", "--reporter=dot", "--reporter=json", `--outputFile=${reportFile}`],
      {
        cwd: root,
        env: { ...process.env, FUZZ_COUNT_FILE: countFile },
        stdio: ["ignore", "inherit", "inherit"],
      },
    );
    child.once("exit", (c) => resolve(c ?? 1));
  });
  let cases = 0;
  let serverErrors = 0;
  let throws = 0;
  try {
    for (const line of readFileSync(countFile, "utf8").split("\n").filter(Boolean)) {
      const c = JSON.parse(line) as { cases: number; serverErrors: number; throws: number };
      cases += c.cases;
      serverErrors += c.serverErrors;
      throws += c.throws;
    }
  } catch {
    /* no counts: the run failed before any property finished */
  }
  let failedTests = 0;
  try {
    failedTests = (JSON.parse(readFileSync(reportFile, "utf8")) as { numFailedTests?: number }).numFailedTests ?? 0;
  } catch {
    failedTests = code === 0 ? 0 : 1;
  }
  figures.add(S, "cases (routes, signature and callback parsers)", "≥ 10000", cases, cases >= 10_000);
  figures.equal(S, "responses ≥ 500", 0, serverErrors);
  figures.equal(S, "crashes (throws, failed properties)", 0, throws + failedTests);
}

let crashed = false;
try {
  await app.start();
  for (const [id, name, run] of scenarios) {
    if (!wanted(id)) continue;
    const t = performance.now();
    console.log(`[reliability] scenario ${name}…`);
    try {
      if (!app.running) await app.start();
      await run(ctx);
    } catch (e) {
      figures.add(name, "scenario completed", "yes", `no: ${e instanceof Error ? e.message : String(e)}`, false);
    }
    figures.timings.push({ scenario: name, seconds: (performance.now() - t) / 1000 });
  }
  await app.stop();
  if (!short && wanted("6")) {
    const t = performance.now();
    console.log("[reliability] scenario 6 fuzz (fast-check)…");
    await scenario6();
    figures.timings.push({ scenario: "6 fuzz (fast-check)", seconds: (performance.now() - t) / 1000 });
  }
} catch (e) {
  crashed = true;
  console.error(`[reliability] could not run: ${e instanceof Error ? e.message : String(e)}`);
} finally {
  await app.stop();
  app.close();
  await bitrix.close();
  store.close();
}

const total = (performance.now() - started) / 1000;
console.log(`\nReliability figures (${short ? "short" : "full"} run)\n`);
console.log(figures.table());
console.log("\nTimings");
for (const t of figures.timings) console.log(`  ${t.scenario.padEnd(26)} ${t.seconds.toFixed(1)} s`);
const starts = app.startMs.map((ms) => ms / 1000);
if (starts.length) {
  console.log(
    `  app starts: ${starts.length}, avg ${(starts.reduce((a, b) => a + b, 0) / starts.length).toFixed(1)} s`,
  );
}
console.log(`  total ${total.toFixed(1)} s`);
const failed = figures.failed + (crashed ? 1 : 0);
console.log(`\n${figures.rows.length - figures.failed} figures met, ${failed} missed`);
if (jsonOut) {
  // One entry per scenario (for scripts/test.mjs): passed when every figure of it was met.
  const names = [...new Set(figures.rows.map((r) => r.scenario))];
  const perScenario = names.map((name) => ({ name, passed: figures.rows.every((r) => r.scenario !== name || r.pass) }));
  if (crashed) perScenario.push({ name: "suite start-up", passed: false });
  writeFileSync(jsonOut, JSON.stringify({ scenarios: perScenario, figures: figures.rows, seconds: total }, null, 2));
}
if (failed === 0 && !keep) {
  rmSync(dir, { recursive: true, force: true });
  if (pgServer) await dropDatabase(databaseUrl);
}
else console.log(`database and app log kept in ${path.relative(root, dir)}`);
process.exitCode = failed > 0 ? 1 : 0;
