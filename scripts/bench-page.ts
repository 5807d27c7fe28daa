// npm run bench:page — the checkout page /pay/{token} in Chromium, measured several times from a
// cold cache: compressed JavaScript bytes and files, and LCP, as medians. Optionally the same for
// other checkouts of the project (an older commit's build) in the same run, so they compare.
// Usage: npm run bench:page [-- --runs 7 --app-dir <other checkout> ...]
import path from "node:path";
import { fileURLToPath } from "node:url";
import { percentile } from "./bench/load";
import { launchChromium, loadPage } from "./bench/page";
import { startApp } from "./bench/processes";
import { insertOrders } from "./bench/seed";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf("--runs") + 1] ?? "") || 7;
const dirs = [
  root,
  ...args.flatMap((a, i) => (a === "--app-dir" && args[i + 1] ? [path.resolve(args[i + 1] as string)] : [])),
];

for (const appDir of dirs) {
  const dbFile = path.join(appDir, "data", "bench-page.db");
  const app = await startApp({ appDir, port: 3520, dbFile });
  try {
    const tokens = insertOrders(dbFile, runs + 1);
    const browser = await launchChromium();
    const loads = [];
    try {
      // The first load is not counted: the server's first render of the page compiles code paths.
      for (const token of tokens) loads.push(await loadPage(browser, `${app.url}/pay/${token}`));
    } finally {
      await browser.close();
    }
    const counted = loads.slice(1);
    const bytes = counted.map((l) => l.bytes);
    const files = counted.map((l) => l.files);
    const lcps = counted.map((l) => l.lcp);
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
