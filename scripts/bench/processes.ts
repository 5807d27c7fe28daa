import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
// The same wait the tests use for the processes they start.
import { waitFor as waitUp } from "../../tests/support/processes";

// The processes the bench measures: the app as `npm start` runs it (scripts/start.mjs, from any
// checkout of the project, so an older build can be measured the same way) and a bare node:http
// JSON server, the yardstick. Each runs in its own process group, stopped by its id.

export type Proc = { url: string; pid: number; output: () => string; stop: () => Promise<void> };

function track(child: ChildProcess, url: string): Proc {
  let out = "";
  child.stdout?.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  child.stderr?.on("data", (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    url,
    pid: child.pid ?? 0,
    output: () => out,
    stop: async () => {
      if (child.exitCode !== null || !child.pid) return;
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          if (child.pid) process.kill(-child.pid, "SIGKILL");
        } catch {
          /* gone */
        }
      }, 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export const BENCH_SECRET = "bench-bitrix-shared-secret-0123456789";

export async function startApp(options: { appDir: string; port: number; dbFile: string }): Promise<Proc> {
  for (const suffix of ["", "-journal", "-wal", "-shm"]) rmSync(`${options.dbFile}${suffix}`, { force: true });
  const url = `http://127.0.0.1:${options.port}`;
  const child = spawn(process.execPath, [path.join(options.appDir, "scripts", "start.mjs")], {
    cwd: options.appDir,
    detached: true,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      PORT: String(options.port),
      HOST: "127.0.0.1",
      APP_URL: url,
      DATABASE_URL: `file:${options.dbFile}`,
      BITRIX_SHARED_SECRET: BENCH_SECRET,
      // The figures are taken with rate limits off: the bench is one client address, and
      // holds 10,000 status streams from it (the caps per address and per instance are raised to
      // their maxima; per token stays: the bench opens one stream per checkout).
      RATE_LIMIT_INTAKE: "0",
      RATE_LIMIT_CHECKOUT: "0",
      RATE_LIMIT_CALLBACK: "0",
      RATE_LIMIT_STATUS: "0",
      STREAMS_PER_ADDRESS: "100000",
      STREAMS_PER_INSTANCE: "1000000",
      LOG_LEVEL: "error",
      // e.g. BENCH_APP_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the app.
      ...(process.env.BENCH_APP_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_APP_NODE_OPTIONS } : {}),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const proc = track(child, url);
  await waitUp(`${url}/api/health`, proc, 300_000);
  return proc;
}

const BARE = `
const http = require("node:http");
const body = JSON.stringify({ status: "PENDING", updatedAt: new Date().toISOString() });
http.createServer((req, res) => {
  res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-store", "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}).listen(Number(process.argv[1]), "127.0.0.1", () => console.log("up"));
`;

export async function startBare(port: number): Promise<Proc> {
  const child = spawn(process.execPath, ["-e", BARE, String(port)], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const proc = track(child, `http://127.0.0.1:${port}`);
  await waitUp(`${proc.url}/`, proc, 10_000);
  return proc;
}

/** A process and all its descendants, from /proc. */
function treeOf(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop() as number;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Resident memory (bytes) of a process and all its descendants. */
export function treeRss(rootPid: number): number {
  let total = 0;
  for (const pid of treeOf(rootPid)) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
    } catch {
      /* gone */
    }
  }
  return total;
}

/** Linux's clock ticks per second (USER_HZ) for /proc/<pid>/stat's times: 100 on every common build. */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (ms, user + system) a process and its descendants have used so far. Unlike requests a
 * second, CPU time per request hardly moves when other work shares the machine.
 */
export function treeCpuMs(rootPid: number): number {
  let ticks = 0;
  for (const pid of treeOf(rootPid)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    } catch {
      /* gone */
    }
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}
