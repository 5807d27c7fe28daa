import { existsSync } from "node:fs";
import type { Browser } from "@playwright/test";

// The checkout page as a shopper's browser first loads it: compressed JavaScript (bytes and files,
// as Chromium received them) and the largest contentful paint.

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import("@playwright/test");
  const executablePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  return chromium.launch(existsSync(executablePath) ? { executablePath } : {});
}

export type PageLoad = { bytes: number; files: number; lcp: number };

/** One load of `url` in a fresh context (cold cache). */
export async function loadPage(browser: Browser, url: string): Promise<PageLoad> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const scripts: number[] = [];
    page.on("requestfinished", (req) => {
      if (req.resourceType() === "script") void req.sizes().then((s) => scripts.push(s.responseBodySize));
    });
    await page.goto(url, { waitUntil: "networkidle" });
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
    await new Promise((r) => setTimeout(r, 300)); // the last sizes() answers
    return { bytes: scripts.reduce((a, b) => a + b, 0), files: scripts.length, lcp };
  } finally {
    await context.close();
  }
}
