// The bench's callback flood, run in a process of its own (scripts/bench.ts spawns it): the
// status reads measured meanwhile must time the server, not a client process busy sending the
// flood. Usage: tsx scripts/bench/callback-flood.ts <origin> <total> <concurrency> <targets.json>
// Prints one JSON line: { seconds, ok, other: { status code: count } }.
import { readFileSync } from "node:fs";
import { Pool } from "undici";

const [origin, totalArg, concurrencyArg, targetsFile] = process.argv.slice(2);
const targets = JSON.parse(readFileSync(targetsFile as string, "utf8")) as {
  kaspiPaymentId: string;
  externalId: string;
}[];
const total = Number(totalArg);
const pool = new Pool(origin as string, { connections: Number(concurrencyArg), pipelining: 1 });
let sent = 0;
let ok = 0;
const other: number[] = [];
const worker = async () => {
  while (sent < total) {
    const target = targets[sent++ % targets.length] as { kaspiPaymentId: string; externalId: string };
    const body = JSON.stringify({
      data: { paymentId: target.kaspiPaymentId, externalId: target.externalId, status: "COMPLETED" },
    });
    try {
      const res = await pool.request({
        path: "/api/kaspi/callback",
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      await res.body.dump();
      if (res.statusCode === 200) ok++;
      else other.push(res.statusCode);
    } catch {
      other.push(0);
    }
  }
};
const started = performance.now();
await Promise.all(Array.from({ length: Number(concurrencyArg) }, worker));
const seconds = (performance.now() - started) / 1000;
await pool.close();
const counts: Record<string, number> = {};
for (const code of other) counts[code] = (counts[code] ?? 0) + 1;
console.log(JSON.stringify({ seconds, ok, other: counts }));
