// npm run bench:page — the checkout page /pay/{token} in Chromium, measured several times from a
// cold cache: compressed JavaScript bytes and files, and LCP, as medians. Optionally the same for
// other checkouts of the project (an older commit's build) in the same run, so they compare.
// Usage: npm run bench:page [-- --runs 7 --app-dir <other checkout> ...]
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { percentile } from "./bench/load";
import { startApp } from "./bench/processes";
import { insertOrders } from "./bench/seed";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf("--runs") + 1] ?? "") || 7;
const dirs = [
  root,
  ...args.flatMap((a, i) => (a === "--app-dir" && args[i + 1] ? [path.resolve(args[i + 1] as string)] : [])),
];

const { chromium } = await import("@playwright/test");
const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

for (const appDir of dirs) {
  const dbFile = path.join(appDir, "data", "bench-page.db");
  const app = await startApp({ appDir, port: 3520, dbFile });
  try {
    const tokens = insertOrders(dbFile, runs + 1);
    const browser = await chromium.launch(existsSync(executablePath) ? { executablePath } : {});
    const bytes: number[] = [];
    const files: number[] = [];
    const lcps: number[] = [];
    try {
      // One unmeasured load: the server's first render of the page compiles code paths.
      for (const [i, token] of tokens.entries()) {
        const context = await browser.newContext();
        const page = await context.newPage();
        const scripts: number[] = [];
        page.on("requestfinished", (req) => {
          if (req.resourceType() === "script") void req.sizes().then((s) => scripts.push(s.responseBodySize));
        });
        await page.goto(`${app.url}/pay/${token}`, { waitUntil: "networkidle" });
        const lcp = await page.evaluate(
          () =>
            new Promise<number>((resolve) => {
              new PerformanceObserver((list) => {
                const entries = list.getEntries();
                resolve(entries[entries.length - 1]?.startTime ?? NaN);
              }).observe({ type: "largest-contentful-paint", buffered: true });
              setTimeout(() => resolve(NaN), 3000);
            }),
        );
        await new Promise((r) => setTimeout(r, 300));
        await context.close();
        if (i === 0) continue;
        bytes.push(scripts.reduce((a, b) => a + b, 0));
        files.push(scripts.length);
        lcps.push(lcp);
      }
    } finally {
      await browser.close();
    }
    const median = (xs: number[]) =>
      percentile(
        [...xs].sort((a, b) => a - b),
        50,
      );
    console.log(
      `${path.relative(path.dirname(root), appDir) || appDir}: first-load JS ${(median(bytes) / 1024).toFixed(1)} KiB ` +
        `in ${median(files)} files; LCP median ${median(lcps).toFixed(0)} ms (min ${Math.min(...lcps).toFixed(0)}, ` +
        `max ${Math.max(...lcps).toFixed(0)}) over ${lcps.length} cold loads`,
    );
  } finally {
    await app.stop();
  }
}
