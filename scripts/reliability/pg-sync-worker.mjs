// Worker thread of PgStore (pg-store.ts): runs one query at a time on its own connection and wakes
// the waiting caller through a shared Int32 (Atomics), so the suite can read PostgreSQL
// synchronously — blocking its thread for the query's own few milliseconds only, which keeps the
// Bitrix stand-in in that thread answering the app in time.
import { workerData } from "node:worker_threads";
import pg from "pg";

const { url, port, signal } = workerData;
const flag = new Int32Array(signal);
const client = new pg.Client({ connectionString: url });
const ready = client.connect();

port.on("message", async ({ sql, params }) => {
  let reply;
  try {
    await ready;
    reply = { rows: (await client.query(sql, params)).rows };
  } catch (e) {
    reply = { error: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
port.on("close", () => void client.end());
