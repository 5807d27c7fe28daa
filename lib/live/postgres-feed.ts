import { randomBytes } from "node:crypto";
import pg from "pg";
import { Listeners, type ChangeFeed } from "./change-listeners";

// The change feed on PostgreSQL (several instances on one database): PostgreSQL's LISTEN/NOTIFY
// (postgresql.org/docs/15/sql-notify.html). A writer's own instance hears its rings at once, in
// process; the other instances hear them through one NOTIFY per ring, sent on the Prisma pool after
// the writer's transaction has committed. Each instance listens on ONE dedicated connection, opened
// by its first subscriber and closed with its last. NOTIFY is not durable: a ring sent while an
// instance's listening connection is down never reaches it, so after every (re)connect the
// subscribers are told that anything may have changed (they re-read what they watch). A lost ring
// costs latency, never correctness: the status hub also re-reads on its heartbeat.

/** The one channel every instance listens on. */
export const CHANGE_CHANNEL = "checkout_order_changed";

// "<instanceId>:<orderId>": far below NOTIFY's 8000-byte payload limit. Anything else on the
// channel (another program, a hand-typed NOTIFY) is ignored.
const PAYLOAD = /^([0-9a-f]{1,32}):([A-Za-z0-9_-]{1,100})$/;

// The rings published in one synchronous run share one statement; PostgreSQL delivers them when it
// commits.
const NOTIFY_SQL = `SELECT pg_notify($1, $2 || ':' || id) FROM unnest($3::text[]) AS id`;

export type PostgresFeedOptions = {
  url: string;
  /** Runs a parameterised statement on the process's pool (Prisma's `$executeRawUnsafe`). */
  execute: (sql: string, params: unknown[]) => Promise<unknown>;
  warn: (fields: Record<string, unknown>, message: string) => void;
  /** Tells this instance's rings from the others' (random per process unless given). */
  instanceId?: string;
  /** Reconnect delay: starts at `firstMs`, doubles up to `maxMs`. */
  backoff?: { firstMs: number; maxMs: number };
};

export type PostgresFeed = ChangeFeed & { readonly instanceId: string };

export function createPostgresFeed(options: PostgresFeedOptions): PostgresFeed {
  const instanceId = options.instanceId ?? randomBytes(8).toString("hex");
  if (!/^[0-9a-f]{1,32}$/.test(instanceId)) throw new Error("instanceId: 1–32 lowercase hex digits");
  const backoff = options.backoff ?? { firstMs: 500, maxMs: 10_000 };
  const listeners = new Listeners();
  const pending = new Set<string>();

  function sendPending(): void {
    const orderIds = [...pending];
    pending.clear();
    // Even a synchronous throw (no database client) must not escape into the writer's process.
    Promise.resolve()
      .then(() => options.execute(NOTIFY_SQL, [CHANGE_CHANNEL, instanceId, orderIds]))
      .catch((e: unknown) =>
        // The writer has committed; the other instances find the change on their heartbeat re-read.
        options.warn({ error: errorMessage(e), orders: orderIds.length }, "change feed: NOTIFY failed"),
      );
  }

  // The listening connection. `generation` changes whenever it is deliberately closed, so that the
  // callbacks of an abandoned connection neither deliver nor reconnect.
  let generation = 0;
  let client: pg.Client | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let delayMs = backoff.firstMs;

  function listen(gen: number): void {
    const c = new pg.Client({
      connectionString: options.url,
      application_name: `kaspi-checkout-listen-${instanceId}`,
      connectionTimeoutMillis: 10_000,
      // A peer that vanished without closing (a failed-over database, a cut network) is noticed.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    client = c;
    let lost = false;
    const onLost = (e: unknown): void => {
      if (lost) return;
      lost = true;
      if (gen !== generation) return; // closed on purpose by stop()
      c.end().catch(() => undefined);
      client = undefined;
      options.warn({ error: errorMessage(e), retryInMs: delayMs }, "change feed: listening connection lost");
      retry = setTimeout(() => {
        retry = undefined;
        if (gen === generation) listen(gen);
      }, delayMs);
      retry.unref?.();
      delayMs = Math.min(delayMs * 2, backoff.maxMs);
    };
    c.on("error", onLost);
    c.on("end", () => onLost(new Error("connection ended")));
    c.on("notification", (n) => {
      if (gen !== generation || n.channel !== CHANGE_CHANNEL) return;
      const m = PAYLOAD.exec(n.payload ?? "");
      if (m && m[1] !== instanceId) listeners.ring(m[2] as string);
    });
    c.connect()
      .then(() => c.query(`LISTEN ${CHANGE_CHANNEL}`))
      .then(() => {
        if (gen !== generation || lost) return;
        delayMs = backoff.firstMs;
        listeners.ring(null); // rings sent before this moment may have been missed
      }, onLost);
  }

  function stop(): void {
    generation++;
    if (retry) clearTimeout(retry);
    retry = undefined;
    client?.end().catch(() => undefined);
    client = undefined;
    delayMs = backoff.firstMs;
  }

  return {
    instanceId,
    publish(orderId) {
      listeners.ring(orderId);
      // A microtask, not a later event-loop turn: the statement is on its way before the writer's
      // next await, so a script that disconnects the database right after its last write
      // (`npm run reconcile`) still sends it.
      if (pending.size === 0) queueMicrotask(sendPending);
      pending.add(orderId);
    },
    subscribe(listener) {
      const first = listeners.size === 0;
      const unsubscribe = listeners.add(listener, () => {
        if (listeners.size === 0) stop();
      });
      if (first) listen(generation);
      return unsubscribe;
    },
  };
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
