// npm run bench — the shopper-path figures of issue 14, in one run on this machine:
//   status reads/s and their share of a bare node:http JSON server (same run, same client), and the
//     server CPU time per read of each (what a busy shared machine moves least);
//   verified Kaspi callbacks/s with none lost, server CPU per callback, and the status read p95
//     idle vs during that flood;
//   SSE watchers held, with server memory per watcher;
//   Kaspi confirm → status seen as PAID, p50/p95, with the status stream and with polling only
//     (measured with the bench's own SSE and poll clients, not in a browser);
//   first-load JS of /pay/{token}, compressed bytes as Chromium received them, and its LCP.
// Usage: npm run bench [-- --app-dir <checkout> --watchers 10000 --seconds 10 --connections 16
//                          --callbacks 2000 --no-browser]
// (--app-dir measures another checkout of the project, e.g. an older commit, with the same client.)
import { spawn } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { closedLoop, openLoop, percentile } from "./bench/load";
import { launchChromium, loadPage } from "./bench/page";
import { startApp, startBare, treeCpuMs, treeRss, type Proc } from "./bench/processes";
import {
  confirm,
  countPaid,
  createOrder,
  inBatches,
  insertOrders,
  kaspiIds,
  startPayment,
  type Checkout,
} from "./bench/seed";
import { watch, type Watcher } from "./bench/sse-client";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : def;
};
const appDir = path.resolve(arg("app-dir", root));
const WATCHERS = Number(arg("watchers", "10000"));
const SECONDS = Number(arg("seconds", "10"));
const CONNECTIONS = Number(arg("connections", "16"));
const CALLBACKS = Number(arg("callbacks", "2000"));
const APP_PORT = Number(arg("port", "3500"));
const browser = !args.includes("--no-browser");
const dbFile = path.join(appDir, "data", "bench.db");

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "n/a";
const say = (line: string) => console.log(line);
const lines: string[] = [];
const result = (line: string) => {
  lines.push(line);
  say(`  ${line}`);
};

let app: Proc | undefined;
let bare: Proc | undefined;
const watchers: Watcher[] = [];

async function main(): Promise<void> {
  if (!existsSync(path.join(appDir, ".next", "BUILD_ID"))) say("(no production build yet: npm start builds it first)");
  say(`bench: app ${appDir} on :${APP_PORT}, bare node:http on :${APP_PORT + 1}`);
  [bare, app] = await Promise.all([startBare(APP_PORT + 1), startApp({ appDir, port: APP_PORT, dbFile })]);
  const origin = app.url;

  // 1. Status reads.
  const readers = await inBatches(
    Array.from({ length: 100 }, (_, i) => i),
    10,
    (i) => createOrder(origin, i),
  );
  const statusPaths = readers.map((c) => `/api/checkout/${c.token}/status`);
  await closedLoop({ origin, paths: statusPaths, connections: CONNECTIONS, seconds: 2 }); // warm-up
  await closedLoop({ origin: bare.url, paths: ["/"], connections: CONNECTIONS, seconds: 1 });
  const bareCpu = treeCpuMs(bare.pid);
  const bareRun = await closedLoop({ origin: bare.url, paths: ["/"], connections: CONNECTIONS, seconds: SECONDS });
  const bareCpuMs = treeCpuMs(bare.pid) - bareCpu;
  const appCpu = treeCpuMs(app.pid);
  const appRun = await closedLoop({ origin, paths: statusPaths, connections: CONNECTIONS, seconds: SECONDS });
  const appCpuMs = treeCpuMs(app.pid) - appCpu;
  say(`status reads (${CONNECTIONS} keep-alive connections, ${SECONDS} s each):`);
  result(
    `status reads/s: app ${fmt(appRun.perSecond)} (p50 ${fmt(appRun.p50, 2)} ms, errors ${appRun.errors}), ` +
      `bare node:http ${fmt(bareRun.perSecond)} → share of bare ${fmt(appRun.perSecond / bareRun.perSecond, 3)}`,
  );
  // Server CPU per read: what contention on a shared machine moves least.
  const perRead = (cpuMs: number, run: { perSecond: number }) => (cpuMs * 1000) / (run.perSecond * SECONDS);
  result(
    `server CPU per status read: app ${fmt(perRead(appCpuMs, appRun), 1)} µs, bare ${fmt(perRead(bareCpuMs, bareRun), 1)} µs` +
      ` → bare/app ${fmt(perRead(bareCpuMs, bareRun) / perRead(appCpuMs, appRun), 3)}`,
  );

  // 2. Watchers held (before the callback flood: its garbage would blur the memory figure).
  const tokens = insertOrders(dbFile, WATCHERS);
  await new Promise((r) => setTimeout(r, 1000));
  const rssBefore = treeRss(app.pid);
  const opened = performance.now();
  let refused = 0;
  await inBatches(tokens, 250, async (token) => {
    const w = watch(origin, token);
    watchers.push(w);
    await w.first.catch(() => void refused++);
  });
  const openSeconds = (performance.now() - opened) / 1000;
  await new Promise((r) => setTimeout(r, 2000));
  const rssAfter = treeRss(app.pid);
  const held = watchers.length - refused;
  say(`status streams (SSE), one per checkout:`);
  result(
    `SSE watchers held: ${fmt(held)} of ${fmt(WATCHERS)} (opened in ${fmt(openSeconds, 1)} s), ` +
      `server memory ${fmt((rssAfter - rssBefore) / 1024 / 1024, 1)} MiB more → ${held ? fmt((rssAfter - rssBefore) / held / 1024, 1) : "n/a"} KiB per watcher`,
  );

  // 3. Confirm → PAID, while those watchers are held.
  const sample = 30;
  const latencies = async (mode: "sse" | "poll"): Promise<number[]> => {
    const checkouts: Checkout[] = await inBatches(
      Array.from({ length: sample }, (_, i) => i),
      5,
      async (i) => startPayment(origin, await createOrder(origin, (mode === "sse" ? 5000 : 6000) + i)),
    );
    const out: number[] = [];
    for (const c of checkouts) {
      let seen: Promise<number>;
      let stop = () => {};
      if (mode === "sse") {
        const w = watch(origin, c.token);
        await w.first;
        seen = w.until("PAID");
        stop = w.close;
      } else {
        // The page's poll: every 2 s, at a phase of its own.
        let timer: ReturnType<typeof setTimeout>;
        seen = new Promise<number>((resolve) => {
          const poll = async () => {
            const res = await fetch(`${origin}/api/checkout/${c.token}/status`).catch(() => undefined);
            const body = res?.ok ? ((await res.json()) as { status: string }) : undefined;
            if (body?.status === "PAID") return resolve(performance.now());
            timer = setTimeout(() => void poll(), 2000);
          };
          timer = setTimeout(() => void poll(), Math.random() * 2000);
        });
        stop = () => clearTimeout(timer);
      }
      await new Promise((r) => setTimeout(r, 100));
      const start = performance.now();
      await confirm(origin, c.paymentId as string);
      out.push((await seen) - start);
      stop();
    }
    return out.sort((a, b) => a - b);
  };
  const sse = held > 0 ? await latencies("sse") : [];
  const poll = await latencies("poll");
  say(
    `Kaspi confirm → status PAID at the client (${sample} payments each, bench SSE/poll clients, ${fmt(held)} watchers held):`,
  );
  result(`confirm→Paid with SSE: p50 ${fmt(percentile(sse, 50))} ms, p95 ${fmt(percentile(sse, 95))} ms`);
  result(`confirm→Paid polling only (2 s): p50 ${fmt(percentile(poll, 50))} ms, p95 ${fmt(percentile(poll, 95))} ms`);
  for (const w of watchers) w.close();

  // 4. Verified callbacks: 2,000 over 100 open payments, 50 at a time; Kaspi (the sandbox, in the
  // same process) has confirmed half of them without calling back, so exactly those must end PAID.
  const open = await inBatches(
    Array.from({ length: 100 }, (_, i) => i),
    10,
    async (i) => startPayment(origin, await createOrder(origin, 1000 + i)),
  );
  const paidIds = open.slice(0, 50).map((c) => c.paymentId as string);
  await inBatches(paidIds, 10, (id) => confirm(origin, id, { skipCallback: true }));
  const ids = kaspiIds(
    dbFile,
    open.map((c) => c.paymentId as string),
  );
  const idle = await openLoop({ origin, paths: statusPaths, rate: 50, seconds: 4 });
  const total = CALLBACKS;
  // The flood comes from a process of its own, so that the status reads timed here meanwhile
  // measure the server rather than a client busy sending 50 requests at a time.
  const targetsFile = path.join(appDir, "data", "bench-callback-targets.json");
  writeFileSync(targetsFile, JSON.stringify(ids));
  const floodCpu = treeCpuMs(app.pid);
  const flooder = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      path.join(root, "scripts", "bench", "callback-flood.ts"),
      origin,
      String(total),
      "50",
      targetsFile,
    ],
    { cwd: root, stdio: ["ignore", "pipe", "inherit"] },
  );
  let floodOut = "";
  flooder.stdout.on("data", (chunk: Buffer) => (floodOut += chunk.toString()));
  const flooded = new Promise<void>((resolve) => flooder.on("exit", () => resolve()));
  await new Promise((r) => setTimeout(r, 300)); // the flood is under way before the reads start
  const during = await openLoop({ origin, paths: statusPaths, rate: 50, seconds: 2 });
  await flooded;
  const floodCpuMs = treeCpuMs(app.pid) - floodCpu;
  const floodResult = JSON.parse(floodOut.trim().split("\n").at(-1) ?? "{}") as {
    seconds: number;
    ok: number;
    other: Record<string, number>;
  };
  const answered200 = floodResult.ok;
  const other = Object.entries(floodResult.other).flatMap(([code, n]) => Array<number>(n).fill(Number(code)));
  const floodSeconds = floodResult.seconds;
  const paid = countPaid(
    dbFile,
    open.map((c) => c.paymentId as string),
  );
  const paidRight = countPaid(dbFile, paidIds);
  say(`Kaspi callbacks (${fmt(total)} claiming COMPLETED over 100 open payments, 50 concurrent; Kaspi confirmed 50):`);
  result(
    `verified callbacks/s: ${fmt(total / floodSeconds)} (${answered200}/${total} answered 200` +
      `${other.length ? `, others: ${[...new Set(other)].join(",")}` : ""}); PAID ${paid}/100, of the confirmed ${paidRight}/50` +
      ` → lost ${total - answered200 + (50 - paidRight)}, wrongly paid ${paid - paidRight}`,
  );
  result(`server CPU per verified callback: ${fmt(floodCpuMs / total, 2)} ms (with its Kaspi check in the sandbox)`);
  result(
    `status read p95 at 50/s: idle ${fmt(idle.p95, 1)} ms, during the callback flood ${fmt(during.p95, 1)} ms` +
      ` (×${fmt(during.p95 / idle.p95, 2)}, flood lasted ${fmt(floodSeconds, 1)} s)`,
  );

  // 5. First-load JS of the checkout page, in Chromium (npm run bench:page takes medians of several).
  if (browser) {
    const b = await launchChromium();
    try {
      const c = await createOrder(origin, 9000);
      const load = await loadPage(b, `${origin}/pay/${c.token}`);
      say("checkout page /pay/{token} in Chromium (first load, cold cache):");
      result(
        `first-load JS: ${fmt(load.bytes / 1024, 1)} KiB compressed in ${load.files} files; LCP ${fmt(load.lcp)} ms`,
      );
    } finally {
      await b.close();
    }
  }
}

try {
  await main();
  say("\nsummary (measured on this machine; ratios within one run are what compare across machines):");
  for (const line of lines) say(`  ${line}`);
} catch (e) {
  console.error(e instanceof Error ? e.stack : e);
  if (app) console.error(app.output().slice(-3000));
  process.exitCode = 1;
} finally {
  for (const w of watchers) w.close();
  await Promise.all([app?.stop(), bare?.stop()]);
}
