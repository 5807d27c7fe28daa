import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

// Real processes for the cross-process tests: the app's production server (`npm start`, i.e.
// scripts/start.mjs, or server.mjs alone) and `php -S`. Every process is started in its own
// process group and stopped by that group's id. Ports stay within 3400–3499.

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BUILD_ID = path.join(ROOT, ".next", "BUILD_ID");
const LOCK = path.join(ROOT, "data", ".build-lock");

export function phpAvailable(): boolean {
  return spawnSync("php", ["-v"], { stdio: "ignore" }).status === 0;
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    // Tests are not part of the build: editing one must not make every process test rebuild.
    if (entry.name === "node_modules" || entry.name.startsWith(".") || /\.test\.tsx?$/.test(entry.name)) continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds the app unless .next holds a build newer than every source file (one builder at a time). */
export async function ensureBuild(): Promise<void> {
  const sources = () =>
    Math.max(
      ...["app", "lib", "components", "public"].map((d) =>
        existsSync(path.join(ROOT, d)) ? newestSource(path.join(ROOT, d)) : 0,
      ),
      ...["next.config.ts", "package.json", "proxy.ts", "instrumentation.ts"].map((f) =>
        existsSync(path.join(ROOT, f)) ? statSync(path.join(ROOT, f)).mtimeMs : 0,
      ),
    );
  const fresh = () => existsSync(BUILD_ID) && statSync(BUILD_ID).mtimeMs > sources();
  mkdirSync(path.dirname(LOCK), { recursive: true });
  for (;;) {
    if (fresh()) return;
    try {
      mkdirSync(LOCK); // atomic: the first test file builds, the others wait for it
      break;
    } catch {
      if (Date.now() - statSync(LOCK).mtimeMs > 300_000) rmSync(LOCK, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
  try {
    if (fresh()) return;
    const res = spawnSync(path.join(ROOT, "node_modules", ".bin", "next"), ["build"], {
      cwd: ROOT,
      env: { ...cleanEnv(), NEXT_TELEMETRY_DISABLED: "1" },
      encoding: "utf8",
    });
    if (res.status !== 0) throw new Error(`next build failed:\n${res.stdout}\n${res.stderr}`);
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** process.env without what the vitest set-up put there for in-process tests. */
function cleanEnv(): NodeJS.ProcessEnv {
  const keep = ["PATH", "HOME", "LANG", "TMPDIR", "SystemRoot"];
  const out: NodeJS.ProcessEnv = { NODE_ENV: "production" };
  for (const k of keep) if (process.env[k]) out[k] = process.env[k];
  return out;
}

export type Proc = { url: string; output: () => string; stop: () => Promise<void> };

function track(child: ChildProcess): { output: () => string; stop: () => Promise<void> } {
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null || child.pid === undefined) return;
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        /* already gone */
      }
      const timer = setTimeout(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
        } catch {
          /* gone */
        }
      }, 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits until `url` answers below 500; on timeout, fails with the process's last output. */
export async function waitFor(url: string, proc: { output: () => string }, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.status < 500) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up:\n${proc.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Lets tests read /api/health's figures from the processes they start. */
export const HEALTH_TOKEN = "test-health-token-0123456789";

/** GET /api/health with the figures (the outbox backlog and the oldest open payment). */
export async function healthFigures(url: string): Promise<{ status: string; outboxBacklog: number }> {
  const res = await fetch(`${url}/api/health`, { headers: { Authorization: `Bearer ${HEALTH_TOKEN}` } });
  return (await res.json()) as { status: string; outboxBacklog: number };
}

/** The app as `npm start` runs it, on its own SQLite file under data/. */
export async function startApp(options: { port: number; env: Record<string, string> }): Promise<Proc> {
  const db = path.join(ROOT, "data", `xproc-${options.port}.db`);
  for (const suffix of ["", "-journal", "-wal", "-shm"]) rmSync(`${db}${suffix}`, { force: true });
  const url = `http://127.0.0.1:${options.port}`;
  const child = spawn(process.execPath, [path.join(ROOT, "scripts", "start.mjs")], {
    cwd: ROOT,
    detached: true,
    env: {
      ...cleanEnv(),
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      PORT: String(options.port),
      HOST: "127.0.0.1",
      APP_URL: url,
      DATABASE_URL: `file:./data/xproc-${options.port}.db`,
      WORKER_INTERVAL_MS: "200",
      HEALTH_TOKEN,
      // npm start turns the demo's receipts on in the sandbox; these tests choose for themselves.
      FISCAL_PROVIDER: "none",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const proc = track(child);
  await waitFor(`${url}/api/health`, proc, 120_000);
  return {
    url,
    ...proc,
    stop: async () => {
      await proc.stop();
      for (const suffix of ["", "-journal", "-wal", "-shm"]) rmSync(`${db}${suffix}`, { force: true });
    },
  };
}

/**
 * server.mjs over the production build with exactly `env` (nothing else from this process): e.g. a
 * test file's own database and configuration, so that its in-process route handlers and this
 * server read the same rows.
 */
export async function startServer(options: { port: number; env: NodeJS.ProcessEnv }): Promise<Proc> {
  const url = `http://127.0.0.1:${options.port}`;
  const child = spawn(process.execPath, [path.join(ROOT, "server.mjs"), "-H", "127.0.0.1"], {
    cwd: ROOT,
    detached: true,
    env: { ...options.env, PORT: String(options.port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const proc = track(child);
  await waitFor(`${url}/api/health`, proc, 120_000);
  return { url, ...proc };
}

/** `php -S` serving a router script. */
export async function startPhpServer(options: {
  port: number;
  router: string;
  env: Record<string, string>;
}): Promise<Proc> {
  const url = `http://127.0.0.1:${options.port}`;
  const child = spawn("php", ["-S", `127.0.0.1:${options.port}`, options.router], {
    cwd: path.dirname(options.router),
    detached: true,
    env: { ...cleanEnv(), PHP_CLI_SERVER_WORKERS: "3", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const proc = track(child);
  await waitFor(`${url}/state`, proc, 20_000);
  return { url, ...proc };
}

export async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}
