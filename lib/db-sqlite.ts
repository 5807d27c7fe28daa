import { AsyncLocalStorage } from "node:async_hooks";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "./generated/sqlite/client";

// SQLite (the embedded default): one WRITE connection and one READ connection to one file in WAL
// mode.
//
// The better-sqlite3 adapter is one connection per client. While an interactive transaction is
// open on it, any other query sent on that connection runs inside that transaction and is rolled
// back with it: an acknowledged write could silently disappear. So every write of this process is
// serialised by one lock, and a transaction holds the lock from BEGIN to COMMIT; queries made from
// inside a transaction's callback (same async context) pass straight through.
//
// Plain reads (find*, count, aggregate, groupBy) outside a transaction go to the read connection
// and never wait for the lock: in WAL mode a reader sees the last committed state while a writer
// works, so a slow transaction does not stall every shopper's status poll. Raw queries stay on the
// write connection (they may write).

const READS = new Set([
  "findUnique",
  "findUniqueOrThrow",
  "findFirst",
  "findFirstOrThrow",
  "findMany",
  "count",
  "aggregate",
  "groupBy",
]);

type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];
type AnyFn = (...a: unknown[]) => PromiseLike<unknown>;

export type SqliteClients = { client: PrismaClient; disconnect: () => Promise<void> };

export function sqliteClients(databaseUrl: string, txOptions: { maxWait: number; timeout: number }): SqliteClients {
  const url = databaseUrl.replace(/^file:/, "");
  // busy timeout: several processes may share one SQLite file (tests, npm run scripts).
  const writer = new PrismaClient({ adapter: new PrismaBetterSQLite3({ url, timeout: 10_000 }) });
  const reader = new PrismaClient({ adapter: new PrismaBetterSQLite3({ url, timeout: 10_000 }) });
  const inTransaction = new AsyncLocalStorage<true>();
  let tail: Promise<void> = Promise.resolve();

  /**
   * Runs `fn` alone: after every write queued before it, before any queued after it. When another
   * process holds the file's write lock in a way SQLite does not wait for (it answers "database is
   * locked" at once, e.g. a transaction whose read snapshot went stale while another instance
   * wrote), `fn` runs again: a refused statement or transaction wrote nothing.
   */
  function exclusive<T>(fn: () => PromiseLike<T> | T): Promise<T> {
    if (inTransaction.getStore()) return Promise.resolve(fn());
    const run = tail.then(() => withBusyRetries(fn));
    tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  // WAL is a property of the file (it persists); the first write-side call switches it on, and
  // reads wait for that once, so they never open the file in the old rollback-journal mode.
  const walReady = exclusive(() => writer.$queryRawUnsafe("PRAGMA journal_mode = WAL")).then(
    () => undefined,
    () => undefined,
  );

  const delegates = new Map<PropertyKey, unknown>();
  const client = new Proxy(writer, {
    get(target, prop, receiver) {
      if (prop === "$transaction") {
        return (fn: unknown, options?: object) => {
          if (typeof fn !== "function") throw new Error("only interactive transactions are supported");
          return exclusive(() =>
            target.$transaction((tx) => inTransaction.run(true, () => (fn as (t: Tx) => Promise<unknown>)(tx)), {
              ...txOptions,
              ...options,
            }),
          );
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop === "string" && /^\$(queryRaw|executeRaw)/.test(prop) && typeof value === "function") {
        return (...args: unknown[]) => exclusive(() => (value as AnyFn).apply(target, args));
      }
      if (typeof prop === "string" && !prop.startsWith("$") && value && typeof value === "object") {
        let wrapped = delegates.get(prop);
        if (!wrapped) {
          const readDelegate = Reflect.get(reader, prop) as Record<string, AnyFn>;
          wrapped = new Proxy(value, {
            get(delegate, method, r) {
              const fn: unknown = Reflect.get(delegate, method, r);
              if (typeof fn !== "function") return fn;
              return (...args: unknown[]) => {
                if (typeof method === "string" && READS.has(method) && !inTransaction.getStore()) {
                  return walReady.then(() => readDelegate[method]!.apply(readDelegate, args));
                }
                return exclusive(() => (fn as AnyFn).apply(delegate, args));
              };
            },
          });
          delegates.set(prop, wrapped);
        }
        return wrapped;
      }
      return value;
    },
  });

  return {
    client,
    disconnect: async () => {
      await Promise.all([writer.$disconnect(), reader.$disconnect()]);
    },
  };
}

/** Runs of a write SQLite refused with "database is locked" (SQLITE_BUSY), and the pause before each. */
const BUSY_RETRY_MS = [10, 25, 50, 100, 200, 400];

/**
 * SQLite refused for a lock (SQLITE_BUSY). Prisma's better-sqlite3 adapter reports it as
 * "Operation has timed out" (it maps SQLITE_BUSY to a socket timeout), or as "database is locked".
 */
export function isSqliteBusy(e: unknown): boolean {
  const message = e instanceof Error ? e.message : String(e);
  return /database is locked|SQLITE_BUSY|Operation has timed out/i.test(message);
}

export async function withBusyRetries<T>(fn: () => PromiseLike<T> | T): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const pause = BUSY_RETRY_MS[attempt];
      if (pause === undefined || !isSqliteBusy(e)) throw e;
      await new Promise((r) => setTimeout(r, pause + Math.random() * pause));
    }
  }
}
