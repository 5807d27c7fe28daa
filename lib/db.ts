import type { PrismaClient } from "./generated/sqlite/client";
import { sqliteClients } from "./db-sqlite";
import { postgresClient } from "./db-postgres";
import { env } from "./env";

// One Prisma client per process, chosen by DATABASE_URL: `file:…` is SQLite (lib/db-sqlite.ts:
// writes serialised, reads on their own connection), `postgresql://…` is PostgreSQL
// (lib/db-postgres.ts: a pool, no lock). The two generated clients come from two schema files
// that differ only in provider (prisma/postgres/schema.prisma is generated from
// prisma/schema.prisma), so the model API is the same and the code is typed against one of them.

export type Db = PrismaClient;
export type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

// One client (and on SQLite one writer lock) per process, on globalThis: Next bundles
// instrumentation.ts, proxy.ts and the routes separately, each with its own copy of lib/
// (see instrumentation.ts).
const holder = globalThis as unknown as {
  __checkoutDb?: PrismaClient;
  __checkoutDisconnect?: () => Promise<void>;
};

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

export function db(): PrismaClient {
  if (!holder.__checkoutDb) {
    const e = env();
    if (isPostgresUrl(e.DATABASE_URL)) {
      const pg = postgresClient({
        url: e.DATABASE_URL,
        poolSize: e.DATABASE_POOL_SIZE,
        statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
        connectTimeoutMs: e.DATABASE_CONNECT_TIMEOUT_MS,
        transactionTimeoutMs: e.DATABASE_TRANSACTION_TIMEOUT_MS,
      });
      // Same models, same API: only the provider differs (see the comment above).
      holder.__checkoutDb = pg as unknown as PrismaClient;
      holder.__checkoutDisconnect = () => pg.$disconnect();
    } else {
      const sqlite = sqliteClients(e.DATABASE_URL, { maxWait: 30_000, timeout: e.DATABASE_TRANSACTION_TIMEOUT_MS });
      holder.__checkoutDb = sqlite.client;
      holder.__checkoutDisconnect = sqlite.disconnect;
    }
  }
  return holder.__checkoutDb;
}

export async function disconnectDb(): Promise<void> {
  const disconnect = holder.__checkoutDisconnect;
  holder.__checkoutDb = undefined;
  holder.__checkoutDisconnect = undefined;
  await disconnect?.();
}

/** A unique constraint refused the write (both drivers report Prisma's P2002). */
export function isUniqueViolation(e: unknown): boolean {
  return typeof e === "object" && e !== null && "code" in e && (e as { code: unknown }).code === "P2002";
}

/**
 * PostgreSQL gave up a transaction for a write conflict or a deadlock (Prisma's P2034): nothing of
 * it was written, and running it again is safe. (Two refunds of one payment with the same
 * idempotency key meet this way: each waits on a lock the other holds.)
 */
export function isRetryableConflict(e: unknown): boolean {
  return typeof e === "object" && e !== null && "code" in e && (e as { code: unknown }).code === "P2034";
}
