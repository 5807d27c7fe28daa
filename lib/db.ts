import { AsyncLocalStorage } from "node:async_hooks";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaClient } from "./generated/sqlite/client";
import { env } from "./env";

// One Prisma client per process, built from DATABASE_URL through a driver adapter.
//
// SQLite through the better-sqlite3 adapter is ONE connection. While an interactive transaction
// is open on it, any other query sent on that connection runs inside that transaction, and is
// rolled back with it: an acknowledged write could silently disappear. So every database call of
// this process is serialised by one lock, and a transaction holds the lock from BEGIN to COMMIT;
// queries made from inside a transaction's callback (same async context) pass straight through.
// SQLite executes one statement at a time anyway, so this costs no real concurrency.

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

const holder = globalThis as unknown as { __checkoutDb?: PrismaClient; __checkoutBase?: PrismaClient };
const inTransaction = new AsyncLocalStorage<true>();
let tail: Promise<void> = Promise.resolve();

/** Runs `fn` alone: after every call queued before it, before any queued after it. */
function exclusive<T>(fn: () => PromiseLike<T> | T): Promise<T> {
  if (inTransaction.getStore()) return Promise.resolve(fn());
  const run = tail.then(() => fn());
  tail = run.then(
    () => undefined,
    () => undefined,
  );
  return run;
}

const TX_OPTIONS = { maxWait: 30_000, timeout: 30_000 };

function serialised(base: PrismaClient): PrismaClient {
  const delegates = new Map<PropertyKey, unknown>();
  return new Proxy(base, {
    get(target, prop, receiver) {
      if (prop === "$transaction") {
        return (fn: unknown, options?: object) => {
          if (typeof fn !== "function") throw new Error("only interactive transactions are supported");
          return exclusive(() =>
            target.$transaction((tx) => inTransaction.run(true, () => (fn as (t: Tx) => Promise<unknown>)(tx)), {
              ...TX_OPTIONS,
              ...options,
            }),
          );
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop === "string" && /^\$(queryRaw|executeRaw)/.test(prop) && typeof value === "function") {
        return (...args: unknown[]) => exclusive(() => (value as (...a: unknown[]) => PromiseLike<unknown>).apply(target, args));
      }
      if (typeof prop === "string" && !prop.startsWith("$") && value && typeof value === "object") {
        let wrapped = delegates.get(prop);
        if (!wrapped) {
          wrapped = new Proxy(value, {
            get(delegate, method, r) {
              const fn: unknown = Reflect.get(delegate, method, r);
              if (typeof fn !== "function") return fn;
              return (...args: unknown[]) =>
                exclusive(() => (fn as (...a: unknown[]) => PromiseLike<unknown>).apply(delegate, args));
            },
          });
          delegates.set(prop, wrapped);
        }
        return wrapped;
      }
      return value;
    },
  });
}

function sqliteUrl(databaseUrl: string): string {
  return databaseUrl.replace(/^file:/, "");
}

export function db(): PrismaClient {
  if (!holder.__checkoutDb) {
    const url = env().DATABASE_URL;
    if (!url.startsWith("file:")) {
      throw new Error("DATABASE_URL: only file: (SQLite) URLs are supported by this build");
    }
    // busy timeout: several processes may share one SQLite file (tests, npm run scripts).
    const adapter = new PrismaBetterSQLite3({ url: sqliteUrl(url), timeout: 10_000 });
    holder.__checkoutBase = new PrismaClient({ adapter });
    holder.__checkoutDb = serialised(holder.__checkoutBase);
  }
  return holder.__checkoutDb;
}

export async function disconnectDb(): Promise<void> {
  await holder.__checkoutBase?.$disconnect();
  holder.__checkoutDb = undefined;
  holder.__checkoutBase = undefined;
}

export function isUniqueViolation(e: unknown): boolean {
  return typeof e === "object" && e !== null && "code" in e && (e as { code: unknown }).code === "P2002";
}
