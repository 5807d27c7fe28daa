#!/usr/bin/env node
// `npm test`: every check the project has, in CI order, continuing after a failure:
//   typecheck (tsc) → lint (eslint) → import rules (dependency-cruiser) → build (next build, no
//   secret in client bundles) → unit (vitest) → e2e (playwright, once per Kaspi protocol) →
//   reliability (short) → with TEST_DATABASE_URL_PG, the route/database/two-instance tests, the e2e
//   happy paths and the short reliability suite again on PostgreSQL.
// Ends with a per-suite summary and one plain line `N passed, N failed` (typecheck, lint and
// build count as one test each; vitest and playwright contribute their test counts). Exit code 1
// if anything failed.
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const results = join(root, "test-results");
const vitestJson = join(results, "vitest.json");
const playwrightJson = join(results, "playwright.json");
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };

mkdirSync(results, { recursive: true });

/** @type {{ name: string, passed: number, failed: number, skipped?: number, seconds: number, note?: string }[]} */
const suites = [];

function bin(name) {
  return join(root, "node_modules", ".bin", name);
}

function run(command, args, extraEnv = {}) {
  const started = performance.now();
  return new Promise((done) => {
    console.log(`\n▶ ${[command.replace(`${root}/`, ""), ...args].join(" ")}`);
    const child = spawn(command, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: "inherit" });
    child.on("error", (error) => {
      console.error(`  could not start ${command}: ${error.message}`);
      done({ code: 127, seconds: (performance.now() - started) / 1000 });
    });
    child.on("close", (code, signal) =>
      done({ code: code ?? (signal ? 128 : 1), seconds: (performance.now() - started) / 1000 }),
    );
  });
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

async function check(name, command, args, extraEnv = {}) {
  const { code, seconds } = await run(command, args, extraEnv);
  suites.push({ name, passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1, seconds, note: code === 0 ? undefined : `exit code ${code}` });
  return code === 0;
}

function findChromium() {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium"].filter(Boolean);
  for (const path of candidates) if (existsSync(path)) return path;
  return undefined;
}

async function playwrightOwnChromium() {
  try {
    const { chromium } = await import("@playwright/test");
    const path = chromium.executablePath();
    return path && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

// 1–2. Types and lint: one test each.
await check("typecheck", bin("tsc"), ["--noEmit"]);
await check("lint", bin("eslint"), ["."]);
await check("import rules", bin("depcruise"), ["app", "lib", "components", "proxy.ts", "scripts", "tests", "e2e", "--config", ".dependency-cruiser.cjs"]);

// 3. Production build, before the tests that run the app as a process (e2e, cross-language
// tests): they must run the code in this tree, and reuse this build instead of making their own. It is
// built with canary secrets in its environment, then the client bundles are searched for them.
const canaries = { BITRIX_SHARED_SECRET: `canary-secret-${process.pid}-${Date.now()}`, KASPI_TOKEN: `canary-token-${Date.now()}` };
const built = await check("build", bin("next"), ["build"], canaries);
if (built) {
  await check("no secret in client bundles", process.execPath, [join(root, "scripts", "check-bundle-secrets.mjs")], {
    SECRET_CANARIES: Object.values(canaries).join(","),
  });
}

// Kaspi QR: the whole checkout through Kaspi's test endpoints (test/payment/*), against the
// built-in sandbox (scripts/kaspi-qr-smoke.ts; KASPI_QR_BASE_URL points it at Kaspi's test host).
if (built) {
  await check("kaspi:qr:smoke", bin("tsx"), ["scripts/kaspi-qr-smoke.ts"], {
    KASPI_QR_BASE_URL: "",
    KASPI_QR_DEVICE_TOKEN: "",
    KASPI_QR_API_KEY: "",
  });
}

// 4. Unit and route tests: the counts come from Vitest's JSON report.
{
  rmSync(vitestJson, { force: true });
  const { code, seconds } = await run(bin("vitest"), [
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile=${vitestJson}`,
  ], { TEST_DATABASE_URL_PG: "" });
  const report = readJson(vitestJson);
  const passed = report?.numPassedTests ?? 0;
  let failed = report?.numFailedTests ?? 0;
  const skipped = (report?.numPendingTests ?? 0) + (report?.numTodoTests ?? 0);
  let note;
  if (code !== 0 && failed === 0) {
    // A file that fails to load, an unhandled error, or no report at all: still a failure.
    failed = 1;
    note = report
      ? `exit code ${code} (failed suites: ${report.numFailedTestSuites ?? "?"})`
      : `exit code ${code}, no JSON report`;
  }
  suites.push({ name: "unit (vitest)", passed, failed, skipped, seconds, note });
}


// 5. End to end, with a real Chromium.
{
  const chromium = findChromium() ?? (await playwrightOwnChromium());
  if (!built) {
    suites.push({ name: "e2e (playwright)", passed: 0, failed: 1, seconds: 0, note: "not run: the build failed" });
  } else if (!chromium) {
    console.error(
      [
        "",
        "✖ No Chromium for the e2e tests. Get one of:",
        "    apt-get update && apt-get install -y chromium     (Debian/Ubuntu; what CI uses)",
        "    npx playwright install chromium                   (Playwright's own build)",
        "  or point CHROMIUM_PATH at a Chromium/Chrome binary.",
      ].join("\n"),
    );
    suites.push({ name: "e2e (playwright)", passed: 0, failed: 1, seconds: 0, note: "no Chromium found" });
  } else {
    console.log(`\nChromium: ${chromium}`);
    // The whole suite once per Kaspi protocol (each run starts its own app on its own port).
    for (const protocol of ["ecom", "qr", "checkpay"]) {
      rmSync(playwrightJson, { force: true });
      const { code, seconds } = await run(bin("playwright"), ["test", "--reporter=list,json"], {
        PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson,
        E2E_PROTOCOL: protocol,
      });
      const report = readJson(playwrightJson);
      const stats = report?.stats ?? {};
      const flaky = stats.flaky ?? 0;
      const passed = (stats.expected ?? 0) + flaky;
      let failed = stats.unexpected ?? 0;
      const skipped = stats.skipped ?? 0;
      const notes = [];
      if (flaky) notes.push(`${flaky} flaky (passed on retry)`);
      if (code !== 0 && failed === 0) {
        // The web servers did not start, a config error, or no report at all: still a failure.
        failed = 1;
        const error = report?.errors?.[0]?.message?.split("\n")[0];
        notes.push(error ? `exit code ${code}: ${error}` : `exit code ${code}${report ? "" : ", no JSON report"}`);
      }
      suites.push({
        name: `e2e (playwright, ${protocol})`,
        passed,
        failed,
        skipped,
        seconds,
        note: notes.join("; ") || undefined,
      });
    }
  }
}

// 6. Reliability, short sizes (`npm run test:reliability` runs the full ones): the app as a real
// process against its Kaspi sandbox; each scenario counts as one test.
{
  const reliabilityJson = join(results, "reliability.json");
  rmSync(reliabilityJson, { force: true });
  const { code, seconds } = built
    ? await run(bin("tsx"), ["scripts/reliability/run.ts", "--short", `--json=${reliabilityJson}`])
    : { code: 1, seconds: 0 };
  const scenarios = readJson(reliabilityJson)?.scenarios ?? [];
  const passed = scenarios.filter((s) => s.passed).length;
  let failed = scenarios.length - passed;
  let note = !built ? "not run: the build failed" : undefined;
  if (code !== 0 && failed === 0) {
    failed = 1;
    note ??= `exit code ${code}${scenarios.length ? "" : ", no report"}`;
  }
  suites.push({ name: "reliability (short)", passed, failed, seconds, note });
}

// 7. PostgreSQL (TEST_DATABASE_URL_PG = a server URL; .ci/run starts one): the route and database
// tests, the two-instance test, the e2e happy path of each Kaspi protocol and the short
// reliability suite again, each on its own fresh database of that server.
await runPostgresSuites();

// Summary.
const total = suites.reduce((t, s) => ({ passed: t.passed + s.passed, failed: t.failed + s.failed }), {
  passed: 0,
  failed: 0,
});
console.log("\nSummary");
for (const s of suites) {
  const mark = s.failed ? "✖" : "✔";
  const skipped = s.skipped ? `, ${s.skipped} skipped` : "";
  const note = s.note ? `  (${s.note})` : "";
  console.log(
    `  ${mark} ${s.name.padEnd(17)} ${s.passed} passed, ${s.failed} failed${skipped}  ${s.seconds.toFixed(1)} s${note}`,
  );
}
console.log(`${total.passed} passed, ${total.failed} failed`);
process.exitCode = total.failed > 0 ? 1 : 0;

async function runPostgresSuites() {
  const server = process.env.TEST_DATABASE_URL_PG;
  if (!server) {
    console.log("\nPostgreSQL suites not run: TEST_DATABASE_URL_PG is not set (.ci/run sets it)");
    suites.push({ name: "PostgreSQL", passed: 0, failed: 0, seconds: 0, note: "not run: TEST_DATABASE_URL_PG unset" });
    return;
  }
  // Two branches at once (they wait on processes and timers much of the time, and use separate
  // ports and databases): vitest, whose output is printed when it ends; e2e then reliability.
  const [vitest, ...rest] = await Promise.all([postgresVitest(server), postgresE2eAndReliability(server)]);
  suites.push(vitest, ...rest.flat());
}

/** Like run(), with the output in a file (printed afterwards) so two branches do not interleave. */
function runLogged(command, args, extraEnv, logFile) {
  const started = performance.now();
  return new Promise((done) => {
    const out = createWriteStream(logFile);
    const child = spawn(command, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on("error", () => done({ code: 127, seconds: 0 }));
    child.on("close", (code, signal) =>
      out.end(() => {
        console.log(`\n▶ ${[command.replace(`${root}/`, ""), ...args].join(" ")}\n${readFileSync(logFile, "utf8")}`);
        done({ code: code ?? (signal ? 128 : 1), seconds: (performance.now() - started) / 1000 });
      }),
    );
  });
}

// Vitest on PostgreSQL: per-file databases cloned from a migrated template (tests/setup-env.ts).
async function postgresVitest(server) {
  const json = join(results, "vitest-postgres.json");
  rmSync(json, { force: true });
  const files = ["tests/routes", "tests/db", "tests/instances", "tests/schema/postgres-twins.test.ts", "tests/schema/pg-adapter.test.ts", "lib/live", "tests/merchant/list.test.ts"];
  const { code, seconds } = await runLogged(
    bin("vitest"),
    ["run", ...files, "--reporter=default", "--reporter=json", `--outputFile=${json}`],
    { TEST_DATABASE_URL_PG: server },
    join(results, "vitest-postgres.log"),
  );
  const report = readJson(json);
  let failed = report?.numFailedTests ?? 0;
  const note = code !== 0 && failed === 0 ? `exit code ${code}` : undefined;
  if (note) failed = 1;
  return { name: "routes+db+instances (PostgreSQL)", passed: report?.numPassedTests ?? 0, failed, seconds, note };
}

async function postgresE2eAndReliability(server) {
  const { databaseUrlFor } = await import("./pg-database.mjs");
  const out = [];
  // The e2e happy path of each protocol, on its own ports (beside the SQLite runs' ports).
  if (built && (findChromium() ?? (await playwrightOwnChromium()))) {
    for (const protocol of ["ecom", "qr", "checkpay"]) {
      const json = join(results, `playwright-postgres-${protocol}.json`);
      rmSync(json, { force: true });
      const { code, seconds } = await run(
        bin("playwright"),
        ["test", "--reporter=list,json", `--project=chromium-${protocol}`, "--grep", "pays an order: intake"],
        {
          TEST_DATABASE_URL_PG: server,
          PLAYWRIGHT_JSON_OUTPUT_NAME: json,
          E2E_PROTOCOL: protocol,
          E2E_DATABASE_URL: databaseUrlFor(server, `kc_e2e_${protocol}`),
          E2E_APP_PORT: String(Number(process.env.E2E_APP_PORT ?? 3100) + 50),
          E2E_STUB_PORT: String(Number(process.env.E2E_STUB_PORT ?? 3199) + 50),
        },
      );
      const stats = readJson(json)?.stats ?? {};
      const passed = (stats.expected ?? 0) + (stats.flaky ?? 0);
      let failed = stats.unexpected ?? 0;
      if ((code !== 0 && failed === 0) || passed === 0) failed = Math.max(failed, 1);
      out.push({ name: `e2e happy path (PostgreSQL, ${protocol})`, passed, failed, seconds });
    }
  } else {
    out.push({ name: "e2e happy path (PostgreSQL)", passed: 0, failed: 1, seconds: 0, note: "no build or no Chromium" });
  }

  // The short reliability suite on PostgreSQL.
  const reliabilityJson = join(results, "reliability-postgres.json");
  rmSync(reliabilityJson, { force: true });
  const { code, seconds } = built
    ? await run(bin("tsx"), ["scripts/reliability/run.ts", "--short", "--postgres", `--json=${reliabilityJson}`], {
        TEST_DATABASE_URL_PG: server,
      })
    : { code: 1, seconds: 0 };
  const scenarios = readJson(reliabilityJson)?.scenarios ?? [];
  const passed = scenarios.filter((sc) => sc.passed).length;
  let failed = scenarios.length - passed;
  if (code !== 0 && failed === 0) failed = 1;
  out.push({ name: "reliability (short, PostgreSQL)", passed, failed, seconds, note: built ? undefined : "not run: the build failed" });
  return out;
}
