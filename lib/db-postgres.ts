import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/postgres/client";
import { log } from "./log";

// PostgreSQL (several app instances on one database): a connection pool per process and no
// process-wide lock. Concurrency is the database's: every state change is a guarded UPDATE
// (compare-and-set, re-evaluated by PostgreSQL after a concurrent writer commits) or an INSERT
// under a unique constraint, inside short transactions; see docs/operations.md.

export type PostgresSettings = {
  url: string;
  poolSize: number;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  transactionTimeoutMs: number;
};

export function postgresClient(s: PostgresSettings): PrismaClient {
  const adapter = new PrismaPg(
    {
      connectionString: s.url,
      max: s.poolSize,
      // Waiting for a free pooled connection or a new one: an overloaded database fails requests
      // after this long instead of queueing them without end.
      connectionTimeoutMillis: s.connectTimeoutMs,
      idleTimeoutMillis: 30_000,
      // Server-side limits per connection: a runaway statement is cancelled, and a transaction
      // left open by a hung process releases its row locks.
      statement_timeout: s.statementTimeoutMs || undefined,
      idle_in_transaction_session_timeout: s.transactionTimeoutMs + 5_000,
      application_name: "kaspi-checkout",
    },
    {
      onPoolError: (err) => log().warn({ error: err.message }, "database connection dropped (pool)"),
    },
  );
  return new PrismaClient({
    adapter,
    transactionOptions: { maxWait: s.connectTimeoutMs, timeout: s.transactionTimeoutMs },
  });
}
