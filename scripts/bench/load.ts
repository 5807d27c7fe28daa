import { Pool } from "undici";

// A closed-loop HTTP load generator: `connections` keep-alive connections, each sending its next
// request when the previous answer arrived, for `seconds`. Counts 2xx answers only.

export type LoadResult = { ok: number; errors: number; perSecond: number; p50: number; p95: number };

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export async function closedLoop(options: {
  origin: string;
  paths: string[];
  connections: number;
  seconds: number;
}): Promise<LoadResult> {
  const pool = new Pool(options.origin, { connections: options.connections, pipelining: 1 });
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  let i = 0;
  const started = performance.now();
  const until = started + options.seconds * 1000;
  const worker = async () => {
    while (performance.now() < until) {
      const path = options.paths[i++ % options.paths.length] as string;
      const t0 = performance.now();
      try {
        const res = await pool.request({ path, method: "GET" });
        await res.body.dump();
        if (res.statusCode >= 200 && res.statusCode < 300) ok++;
        else errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: options.connections }, worker));
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  return { ok, errors, perSecond: ok / elapsed, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
}

/** Open loop: `rate` requests a second regardless of answers (a shopper's poll does not wait for others). */
export async function openLoop(options: { origin: string; paths: string[]; rate: number; seconds: number }): Promise<LoadResult> {
  const pool = new Pool(options.origin, { connections: 16 });
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  const total = Math.round(options.rate * options.seconds);
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let n = 0; n < total; n++) {
    const due = started + (n * 1000) / options.rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const path = options.paths[n % options.paths.length] as string;
    const t0 = performance.now();
    pending.push(
      pool
        .request({ path, method: "GET" })
        .then(async (res) => {
          await res.body.dump();
          if (res.statusCode < 300) ok++;
          else errors++;
        })
        .catch(() => void errors++)
        .finally(() => void latencies.push(performance.now() - t0)),
    );
  }
  await Promise.all(pending);
  await pool.close();
  latencies.sort((a, b) => a - b);
  return { ok, errors, perSecond: ok / options.seconds, p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
}
