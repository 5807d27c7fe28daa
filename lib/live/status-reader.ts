import Database from "better-sqlite3";
import { db } from "../db";
import { env } from "../env";
import { statusViewOf, type StatusRow } from "../payments/checkout-status";
import type { StatusView } from "../payments/checkout-views";

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

const SQL = `SELECT id, status, updatedAt, kaspiStage, kaspiLoan FROM "Order" WHERE checkoutToken = ?`;

type RawRow = { id: string; status: string; updatedAt: string | number; kaspiStage: string | null; kaspiLoan: string | null };

type Reader = { statement: Database.Statement<[string], RawRow>; connection: Database.Database };

const holder = globalThis as unknown as { __checkoutStatusReader?: Reader | null };

function sqliteReader(): Reader | null {
  if (holder.__checkoutStatusReader !== undefined) return holder.__checkoutStatusReader;
  const url = env().DATABASE_URL;
  if (!url.startsWith("file:")) return (holder.__checkoutStatusReader = null);
  // Same path resolution as the Prisma adapter in lib/db.ts (relative to the working directory).
  const connection = new Database(url.slice("file:".length), { readonly: true, fileMustExist: true, timeout: 0 });
  holder.__checkoutStatusReader = { connection, statement: connection.prepare<[string], RawRow>(SQL) };
  return holder.__checkoutStatusReader;
}

/** Prisma stores SQLite DateTimes as ISO text with an offset (or epoch ms with another setting). */
function dateOf(value: string | number): Date {
  if (typeof value === "number") return new Date(value);
  // CURRENT_TIMESTAMP's form has no zone and means UTC.
  return new Date(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(value) ? `${value.replace(" ", "T")}Z` : value);
}

export async function readStatusSnapshot(token: string): Promise<StatusSnapshot | null> {
  let reader: Reader | null = null;
  try {
    reader = sqliteReader();
  } catch {
    reader = null; // no file yet, or it cannot be opened read-only: the Prisma path still works
  }
  for (let attempt = 0; reader && attempt < BUSY_RETRIES; attempt++) {
    try {
      const row = reader.statement.get(token);
      return row ? { orderId: row.id, view: statusViewOf({ ...row, updatedAt: dateOf(row.updatedAt) }) } : null;
    } catch (e) {
      if (!isBusy(e)) break; // anything else: the locked path below
      if (attempt === BUSY_RETRIES - 1) throw e;
      await new Promise((r) => setTimeout(r, Math.min(BUSY_WAIT_MS * (attempt + 1), 20)));
    }
  }
  const order = await db().order.findUnique({
    where: { checkoutToken: token },
    select: { id: true, status: true, updatedAt: true, kaspiStage: true, kaspiLoan: true },
  });
  return order ? { orderId: order.id, view: statusViewOf(order satisfies StatusRow) } : null;
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
