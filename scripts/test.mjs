#!/usr/bin/env node
// `npm test`: every check the project has, continuing after a failure. The suites run in lanes, at
// the same time, on one production build: the ones that mostly wait (browsers, app processes,
// reliability scenarios) beside the ones that mostly compute (Vitest, types, lint).
//
//   lane 1  unit tests (vitest --project unit) → after the build, their PostgreSQL copies (vitest
//           --project postgres; after unit, as a few files of both bind fixed ports) → the e2e
//           happy path of each protocol on PostgreSQL
//   lane 2  import rules → build (canary secrets, then no secret in client bundles) → e2e ecom → qr
//           → checkpay (playwright; one app per protocol, as the protocol is app-wide)
//   lane 3  after the build: integration tests (vitest --project integration) → those of them that
//           run on PostgreSQL (--project postgres-integration; after integration, for the same
//           reason)
//   lane 4  after the build: kaspi:qr:smoke → reliability (short) on SQLite → on PostgreSQL
//   lane 5  after the build: typecheck → lint (they wait for it because tsconfig.json includes
//           .next/types, which `next build` rewrites)
// The build, types, lint and import rules run at a lower CPU priority than the suites with a
// clock in them (TIMED, UNTIMED below). Without TEST_DATABASE_URL_PG (.ci/run sets it) the
// PostgreSQL suites are not run, and the summary says so.
//
// `npm run test:quick` (`--quick`): typecheck → import rules → lint beside the unit tests; no
// build, browser, server or database server.
//
// Each suite's output goes to test-results/logs/<suite>.log and is printed when the suite ends.
// Ends with a per-suite summary and one plain line `N passed, N failed` (typecheck, lint, import
// rules and build count as one test each; vitest and playwright contribute their test counts,
// reliability its scenarios). Exit code 1 if anything failed.
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const results = join(root, "test-results");
const logs = join(results, "logs");
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
const quick = process.argv.includes("--quick");
const pgServer = quick ? undefined : process.env.TEST_DATABASE_URL_PG;
const started = performance.now();

mkdirSync(logs, { recursive: true });

/** @typedef {{ name: string, passed: number, failed: number, skipped?: number, seconds: number, note?: string }} Suite */
/** Suites by the order they are listed in the summary (not the order they finish in). */
const ORDER = [
  "typecheck",
  "lint",
  "import rules",
  "build",
  "no secret in client bundles",
  "kaspi:qr:smoke",
  "unit (vitest)",
  "integration (vitest)",
  "e2e (playwright, ecom)",
  "e2e (playwright, qr)",
  "e2e (playwright, checkpay)",
  "reliability (short)",
  "PostgreSQL",
  "postgres (vitest)",
  "postgres-integration (vitest)",
  "e2e happy path (PostgreSQL, ecom)",
  "e2e happy path (PostgreSQL, qr)",
  "e2e happy path (PostgreSQL, checkpay)",
  "reliability (short, PostgreSQL)",
];
/** @type {Suite[]} */
const suites = [];
const record = (/** @type {Suite} */ suite) => suites.push(suite);

function bin(name) {
  return join(root, "node_modules", ".bin", name);
}

const clock = () => `+${((performance.now() - started) / 1000).toFixed(0)} s`;
const fileName = (name) =>
  name
    .replace(/[^a-z0-9]+/gi, "-")
    .replace(/^-|-$/g, "")
    .toLowerCase();

/**
 * CPU priorities (nice values). The suites that run the app as real processes against wall-clock
 * figures run at the shell's priority (0): the reliability scenarios (convergence within 90 s
 * across SIGKILLs), Playwright, Vitest's integration projects. The in-process Vitest projects
 * (unit, postgres: one fork per core) run at 5: their few clocks are generous, and at 0 they took
 * the cores from the scenarios (a clean-clone run saw the SQLite reliability suite take 275 s
 * instead of 130 s and miss its convergence figure). Pure computation with nothing timed (the build,
 * types, lint, import rules) runs at 10, on what the others leave idle.
 */
const TIMED = 0;
const IN_PROCESS = 5;
const UNTIMED = 10;
const NICE = existsSync("/usr/bin/nice") ? "/usr/bin/nice" : undefined;

/**
 * Runs a command with its output in test-results/logs/<name>.log, printed in one piece when it
 * ends (several run at once; their lines must not interleave).
 */
function run(name, command, args, extraEnv = {}, niceness = TIMED) {
  const t0 = performance.now();
  const logFile = join(logs, `${fileName(name)}.log`);
  const shown = [command.replace(`${root}/`, ""), ...args].join(" ") + (niceness ? ` (nice ${niceness})` : "");
  console.log(`▶ ${clock()} ${name}: ${shown}`);
  if (niceness && NICE) [command, args] = [NICE, ["-n", String(niceness), command, ...args]];
  return new Promise((done) => {
    const out = createWriteStream(logFile);
    const child = spawn(command, args, {
      cwd: root,
      env: { ...env, ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    let code = 1;
    child.on("error", (error) => {
      out.write(`could not start ${command}: ${error.message}\n`);
      code = 127;
    });
    child.on("close", (exitCode, signal) => {
      code = exitCode ?? (signal ? 128 : code);
      out.end(() => {
        const seconds = (performance.now() - t0) / 1000;
        console.log(`\n━━ ${name}: ${shown}\n${readFileSync(logFile, "utf8")}`);
        console.log(`■ ${clock()} ${name}: exit code ${code}, ${seconds.toFixed(1)} s`);
        done({ code, seconds });
      });
    });
  });
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

/** One command, one test. */
async function check(name, command, args, extraEnv = {}, niceness = TIMED) {
  const { code, seconds } = await run(name, command, args, extraEnv, niceness);
  record({
    name,
    passed: code === 0 ? 1 : 0,
    failed: code === 0 ? 0 : 1,
    seconds,
    note: code === 0 ? undefined : `exit code ${code}`,
  });
  return code === 0;
}

/** A Vitest project; the counts come from its JSON report. */
async function vitest(name, project, extraArgs = [], extraEnv = {}, niceness = TIMED) {
  const json = join(results, `vitest-${project}.json`);
  rmSync(json, { force: true });
  const { code, seconds } = await run(
    name,
    bin("vitest"),
    ["run", `--project=${project}`, ...extraArgs, "--reporter=default", "--reporter=json", `--outputFile=${json}`],
    extraEnv,
    niceness,
  );
  const report = readJson(json);
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
  record({ name, passed, failed, skipped, seconds, note });
}

/** A Playwright run; the counts come from its JSON report. */
async function playwright(name, args, extraEnv, { atLeastOne = false } = {}) {
  const json = join(results, `${fileName(name)}.json`);
  rmSync(json, { force: true });
  // Each run its own output directory: Playwright empties it when it starts.
  const { code, seconds } = await run(
    name,
    bin("playwright"),
    ["test", "--reporter=list,json", `--output=${join(results, "playwright", fileName(name))}`, ...args],
    { ...extraEnv, PLAYWRIGHT_JSON_OUTPUT_NAME: json },
  );
  const report = readJson(json);
  const stats = report?.stats ?? {};
  const flaky = stats.flaky ?? 0;
  const passed = (stats.expected ?? 0) + flaky;
  let failed = stats.unexpected ?? 0;
  const notes = [];
  if (flaky) notes.push(`${flaky} flaky (passed on retry)`);
  if (code !== 0 && failed === 0) {
    // The web servers did not start, a config error, or no report at all: still a failure.
    failed = 1;
    const error = report?.errors?.[0]?.message?.split("\n")[0];
    notes.push(error ? `exit code ${code}: ${error}` : `exit code ${code}${report ? "" : ", no JSON report"}`);
  }
  if (atLeastOne && passed === 0 && failed === 0) {
    failed = 1;
    notes.push("no test ran");
  }
  record({ name, passed, failed, skipped: stats.skipped ?? 0, seconds, note: notes.join("; ") || undefined });
}

/** The short reliability suite: the app as a real process against its sandbox; a scenario is a test. */
async function reliability(name, extraArgs, extraEnv = {}) {
  const json = join(results, `${fileName(name)}.json`);
  rmSync(json, { force: true });
  const { code, seconds } = await run(
    name,
    bin("tsx"),
    ["scripts/reliability/run.ts", "--short", ...extraArgs, `--json=${json}`],
    extraEnv,
  );
  const scenarios = readJson(json)?.scenarios ?? [];
  const passed = scenarios.filter((s) => s.passed).length;
  let failed = scenarios.length - passed;
  let note;
  if (code !== 0 && failed === 0) {
    failed = 1;
    note = `exit code ${code}${scenarios.length ? "" : ", no report"}`;
  }
  record({ name, passed, failed, seconds, note });
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

// The production build, shared by every suite that runs the app as a process (e2e, integration,
// smoke, reliability): they run the code in this tree and never build on their own. It is built
// with canary secrets in its environment, then the client bundles are searched for them.
let resolveBuilt;
/** Resolves to whether the build succeeded. */
const built = new Promise((r) => (resolveBuilt = r));
async function build() {
  const canaries = {
    BITRIX_SHARED_SECRET: `canary-secret-${process.pid}-${Date.now()}`,
    KASPI_TOKEN: `canary-token-${Date.now()}`,
  };
  // Beside the unit tests, below them: they are timed, the build is not.
  const ok = await check("build", bin("next"), ["build"], canaries, UNTIMED);
  resolveBuilt(ok);
  if (ok) {
    await check("no secret in client bundles", process.execPath, [join(root, "scripts", "check-bundle-secrets.mjs")], {
      SECRET_CANARIES: Object.values(canaries).join(","),
    });
  }
}

/** Runs `fn` once the build is there; records `names` as failed if it is not. */
async function afterBuild(names, fn) {
  if (await built) return fn();
  for (const name of names) record({ name, passed: 0, failed: 1, seconds: 0, note: "not run: the build failed" });
}

const chromium = quick ? undefined : (findChromium() ?? (await playwrightOwnChromium()));
if (!quick && !chromium) {
  console.error(
    [
      "",
      "✖ No Chromium for the e2e tests. Get one of:",
      "    apt-get update && apt-get install -y chromium     (Debian/Ubuntu; what CI uses)",
      "    npx playwright install chromium                   (Playwright's own build)",
      "  or point CHROMIUM_PATH at a Chromium/Chrome binary.",
      "",
    ].join("\n"),
  );
}

const PROTOCOLS = ["ecom", "qr", "checkpay"];

/** The e2e suite once per Kaspi protocol: each run starts its own app (ports offset per protocol). */
async function e2e() {
  const names = PROTOCOLS.map((p) => `e2e (playwright, ${p})`);
  if (!chromium) {
    for (const name of names) record({ name, passed: 0, failed: 1, seconds: 0, note: "no Chromium found" });
    return;
  }
  await afterBuild(names, async () => {
    for (const protocol of PROTOCOLS) await playwright(`e2e (playwright, ${protocol})`, [], { E2E_PROTOCOL: protocol });
  });
}

/** The e2e happy path of each protocol on PostgreSQL, on ports beside the SQLite runs'. */
async function e2ePostgres() {
  const names = PROTOCOLS.map((p) => `e2e happy path (PostgreSQL, ${p})`);
  if (!chromium) {
    for (const name of names) record({ name, passed: 0, failed: 1, seconds: 0, note: "no Chromium found" });
    return;
  }
  const { databaseUrlFor } = await import("./pg-database.mjs");
  await afterBuild(names, async () => {
    for (const protocol of PROTOCOLS) {
      await playwright(
        `e2e happy path (PostgreSQL, ${protocol})`,
        [`--project=chromium-${protocol}`, "--grep", "pays an order: intake"],
        {
          TEST_DATABASE_URL_PG: pgServer,
          E2E_PROTOCOL: protocol,
          E2E_DATABASE_URL: databaseUrlFor(pgServer, `kc_e2e_${protocol}`),
          E2E_APP_PORT: String(Number(process.env.E2E_APP_PORT ?? 3100) + 50),
          E2E_STUB_PORT: String(Number(process.env.E2E_STUB_PORT ?? 3199) + 50),
        },
        { atLeastOne: true },
      );
    }
  });
}

/** Steps of one lane, one after the other. */
async function lane(...steps) {
  for (const step of steps) await step();
}

const DEPCRUISE_ARGS = [
  "app",
  "lib",
  "components",
  "proxy.ts",
  "scripts",
  "tests",
  "e2e",
  "--config",
  ".dependency-cruiser.cjs",
];
// In the quick loop they run beside the unit tests at the same priority: its time is their CPU
// time shared by the cores.
const untimed = quick ? TIMED : UNTIMED;
const depcruise = () => check("import rules", bin("depcruise"), DEPCRUISE_ARGS, {}, untimed);
const typecheck = () => check("typecheck", bin("tsc"), ["--noEmit"], {}, untimed);
const lint = () => check("lint", bin("eslint"), ["."], {}, untimed);

if (quick) {
  await Promise.all([lane(typecheck, depcruise, lint), lane(() => vitest("unit (vitest)", "unit"))]);
} else {
  if (!pgServer) {
    console.log("PostgreSQL suites not run: TEST_DATABASE_URL_PG is not set (.ci/run sets it)");
    record({ name: "PostgreSQL", passed: 0, failed: 0, seconds: 0, note: "not run: TEST_DATABASE_URL_PG unset" });
  }
  await Promise.all([
    lane(
      () => vitest("unit (vitest)", "unit", [], {}, IN_PROCESS),
      // One database per file, cloned from the migrated template (tests/setup-env.ts). After unit,
      // as a few files of both bind fixed ports; after the build (successful or not), as the
      // machine is busy with it until then.
      () => built,
      () =>
        pgServer ? vitest("postgres (vitest)", "postgres", [], { TEST_DATABASE_URL_PG: pgServer }, IN_PROCESS) : undefined,
      () => (pgServer ? e2ePostgres() : undefined),
    ),
    lane(depcruise, build, e2e),
    lane(
      () => afterBuild(["integration (vitest)"], () => vitest("integration (vitest)", "integration")),
      // After integration: the same files on the same fixed ports, their processes on PostgreSQL.
      () =>
        pgServer
          ? vitest("postgres-integration (vitest)", "postgres-integration", [], { TEST_DATABASE_URL_PG: pgServer })
          : undefined,
    ),
    lane(
      // Kaspi QR: the whole checkout through Kaspi's test endpoints against the built-in sandbox
      // (KASPI_QR_BASE_URL would point it at Kaspi's test host).
      () =>
        afterBuild(["kaspi:qr:smoke"], () =>
          check("kaspi:qr:smoke", bin("tsx"), ["scripts/kaspi-qr-smoke.ts"], {
            KASPI_QR_BASE_URL: "",
            KASPI_QR_DEVICE_TOKEN: "",
            KASPI_QR_API_KEY: "",
          }),
        ),
      () => afterBuild(["reliability (short)"], () => reliability("reliability (short)", [])),
      () =>
        pgServer
          ? afterBuild(["reliability (short, PostgreSQL)"], () =>
              reliability("reliability (short, PostgreSQL)", ["--postgres"], { TEST_DATABASE_URL_PG: pgServer }),
            )
          : undefined,
    ),
    // Whether or not the build succeeded: they only wait for it to be over.
    lane(() => built, typecheck, lint),
  ]);
}

// Summary.
suites.sort((a, b) => ORDER.indexOf(a.name) - ORDER.indexOf(b.name));
const total = suites.reduce((t, s) => ({ passed: t.passed + s.passed, failed: t.failed + s.failed }), {
  passed: 0,
  failed: 0,
});
console.log(
  `\nSummary (${quick ? "npm run test:quick" : "npm test"}, ${((performance.now() - started) / 1000).toFixed(0)} s)`,
);
for (const s of suites) {
  const mark = s.failed ? "✖" : "✔";
  const skipped = s.skipped ? `, ${s.skipped} skipped` : "";
  const note = s.note ? `  (${s.note})` : "";
  console.log(
    `  ${mark} ${s.name.padEnd(37)} ${s.passed} passed, ${s.failed} failed${skipped}  ${s.seconds.toFixed(1)} s${note}`,
  );
}
console.log(`${total.passed} passed, ${total.failed} failed`);
process.exitCode = total.failed > 0 ? 1 : 0;
