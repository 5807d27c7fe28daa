import Database from "better-sqlite3";
import { db } from "../db";
import { env } from "../env";
import { statusViewOf, type StatusRow } from "../payments/checkout-status";
import type { StatusView } from "../payments/checkout-views";
import { CALLBACK_PAYMENT_FIELDS, type CallbackPayment } from "../payments/handle-callback-use-case";

// The status read of the poll and the event stream, without the process-wide lock of lib/db.ts.
// That lock exists to keep queries out of another caller's open transaction on the one shared
// SQLite connection; a second, read-only connection has no such transaction to fall into, and
// SQLite isolates it from the writer (it sees committed data only). One prepared statement, one
// indexed lookup by the unique checkoutToken. On PostgreSQL (pooled, no such lock) and whenever
// the read-only connection keeps failing, the Prisma client answers instead.
//
// In SQLite's rollback-journal mode a commit briefly locks readers out (SQLITE_BUSY). SQLite's own
// busy timeout would sleep inside the call and freeze the whole event loop (measured: status p95
// 5 s during a callback flood), so the connection has none and a busy read is retried after a
// short timer instead, off the event loop, and not handed to the locked path: that path queues
// behind every other database call of the process (measured: a callback flood made it seconds).
// (In WAL mode readers are never locked out.)

export type StatusSnapshot = { orderId: string; view: StatusView };

const SQL = `SELECT id, status, updatedAt, kaspiStage, kaspiLoan, receiptUrl FROM "Order" WHERE checkoutToken = ?`;

type RawRow = {
  id: string;
  status: string;
  updatedAt: string | number;
  kaspiStage: string | null;
  kaspiLoan: string | null;
  receiptUrl: string | null;
};

type Reader = { connection: Database.Database; statements: Map<string, Database.Statement<[string], unknown>> };

// One read-only connection per process, on globalThis: Next bundles instrumentation.ts, proxy.ts
// and the routes separately, each with its own copy of lib/ (see instrumentation.ts).
const holder = globalThis as unknown as { __checkoutStatusReader?: Reader | null };

function sqliteReader(): Reader | null {
  if (holder.__checkoutStatusReader !== undefined) return holder.__checkoutStatusReader;
  const url = env().DATABASE_URL;
  if (!url.startsWith("file:")) return (holder.__checkoutStatusReader = null);
  // Same path resolution as the Prisma adapter in lib/db.ts (relative to the working directory).
  const connection = new Database(url.slice("file:".length), { readonly: true, fileMustExist: true, timeout: 0 });
  holder.__checkoutStatusReader = { connection, statements: new Map() };
  return holder.__checkoutStatusReader;
}

/** Prisma stores SQLite DateTimes as ISO text with an offset (or epoch ms with another setting). */
function dateOf(value: string | number): Date {
  if (typeof value === "number") return new Date(value);
  // CURRENT_TIMESTAMP's form has no zone and means UTC.
  return new Date(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(value) ? `${value.replace(" ", "T")}Z` : value);
}

const UNAVAILABLE = Symbol("unavailable");

/**
 * One row by one key on the read-only connection, or UNAVAILABLE when there is no such connection
 * (PostgreSQL, no file yet) or it fails for another reason than a busy file: the caller asks Prisma.
 */
async function lockFreeGet<T>(sql: string, key: string): Promise<T | undefined | typeof UNAVAILABLE> {
  let reader: Reader | null = null;
  try {
    reader = sqliteReader();
  } catch {
    reader = null; // no file yet, or it cannot be opened read-only: the Prisma path still works
  }
  if (!reader) return UNAVAILABLE;
  let statement = reader.statements.get(sql);
  if (!statement) {
    try {
      statement = reader.connection.prepare<[string], unknown>(sql);
    } catch {
      return UNAVAILABLE; // e.g. a table not migrated yet
    }
    reader.statements.set(sql, statement);
  }
  for (let attempt = 0; attempt < BUSY_RETRIES; attempt++) {
    try {
      return statement.get(key) as T | undefined;
    } catch (e) {
      if (!isBusy(e)) return UNAVAILABLE;
      if (attempt === BUSY_RETRIES - 1) throw e;
      await new Promise((r) => setTimeout(r, Math.min(BUSY_WAIT_MS * (attempt + 1), 20)));
    }
  }
  return UNAVAILABLE;
}

export async function readStatusSnapshot(token: string): Promise<StatusSnapshot | null> {
  const row = await lockFreeGet<RawRow>(SQL, token);
  if (row !== UNAVAILABLE) {
    return row ? { orderId: row.id, view: statusViewOf({ ...row, updatedAt: dateOf(row.updatedAt) }) } : null;
  }
  const order = await db().order.findUnique({
    where: { checkoutToken: token },
    select: { id: true, status: true, updatedAt: true, kaspiStage: true, kaspiLoan: true, receiptUrl: true },
  });
  return order ? { orderId: order.id, view: statusViewOf(order satisfies StatusRow) } : null;
}

const CALLBACK_SQL = `SELECT id, orderId, kaspiPaymentId, kaspiExternalId, status, amount, storeId FROM "Payment" WHERE kaspiPaymentId = ?`;

/**
 * Every statement of the read-only connection. Hand-written SQL names columns Prisma's schema owns:
 * lib/live/status-reader.test.ts prepares each against the migrated schema, so a renamed column
 * fails a test (in production it would only fall back to the slower Prisma path).
 */
export const LOCK_FREE_STATEMENTS = [SQL, CALLBACK_SQL] as const;

/**
 * The payment a Kaspi callback names, by the unique kaspiPaymentId: every callback of a flood reads
 * it, so it is read like the status (no lock, no Prisma query compilation).
 */
export async function readCallbackPayment(kaspiPaymentId: string): Promise<CallbackPayment | null> {
  const row = await lockFreeGet<CallbackPayment>(CALLBACK_SQL, kaspiPaymentId);
  if (row !== UNAVAILABLE) return row ?? null;
  return db().payment.findUnique({
    where: { kaspiPaymentId },
    select: CALLBACK_PAYMENT_FIELDS,
  });
}

/** A commit takes milliseconds; a run of back-to-back commits is waited out (backing off to 20 ms, ~5 s in all). */
const BUSY_RETRIES = 260;
const BUSY_WAIT_MS = 2;

function isBusy(e: unknown): boolean {
  const code = typeof e === "object" && e !== null && "code" in e ? (e as { code: unknown }).code : undefined;
  return code === "SQLITE_BUSY" || code === "SQLITE_LOCKED";
}

/** Tests and shutdown: close the read-only connection (the next read opens it again). */
export function closeStatusReader(): void {
  holder.__checkoutStatusReader?.connection.close();
  holder.__checkoutStatusReader = undefined;
}
