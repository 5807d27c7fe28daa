// The reliability suite's view of the app's database when it runs on PostgreSQL (--postgres): the
// same reads as Store (support.ts) for SQLite. Synchronous like better-sqlite3, so the scenarios
// read both alike: each call runs Debian's `psql` (installed with the server) with the values as
// psql variables, quoted by psql itself (:'name'), never spliced into the SQL.
import { execFileSync } from "node:child_process";
import type { PaymentRow, StoreReader } from "./support";

export class PgStore implements StoreReader {
  constructor(private readonly databaseUrl: string) {}

  private rows<T>(sql: string, vars: Record<string, string | number> = {}): T[] {
    const args = [this.databaseUrl, "-AtqX", "-v", "ON_ERROR_STOP=1"];
    for (const [k, v] of Object.entries(vars)) args.push("-v", `${k}=${v}`);
    const out = execFileSync("psql", args, {
      input: `select coalesce(json_agg(t), '[]') from (${sql}) t;\n`,
      encoding: "utf8",
      stdio: ["pipe", "pipe", "pipe"],
    });
    return JSON.parse(out) as T[];
  }

  private run(sql: string, vars: Record<string, string | number>): void {
    const args = [this.databaseUrl, "-AtqX", "-v", "ON_ERROR_STOP=1"];
    for (const [k, v] of Object.entries(vars)) args.push("-v", `${k}=${v}`);
    execFileSync("psql", args, { input: `${sql};\n`, stdio: ["pipe", "ignore", "pipe"] });
  }

  order(externalId: string) {
    return this.rows<{ id: string; status: string; amount: number }>(
      `select id, status, amount from "Order" where "externalId" = :'ext'`,
      { ext: externalId },
    )[0];
  }

  payments(orderId: string): PaymentRow[] {
    return this.rows<PaymentRow>(
      `select id, "orderId", attempt, "kaspiExternalId", "kaspiPaymentId", amount, status from "Payment"
       where "orderId" = :'oid' order by attempt`,
      { oid: orderId },
    );
  }

  kaspiPayments(externalId: string) {
    return this.rows<{ id: string; externalId: string; amount: number; status: string }>(
      `select id, "externalId", amount, status from "SandboxPayment" where "externalId" = :'ext' or "externalId" like :'pat'`,
      { ext: externalId, pat: `${externalId}#%` },
    );
  }

  statusChanges(orderId: string) {
    // The timeline is append-only, so the physical order (ctid) is the insertion order within one ms.
    return this.rows<{ message: string; paymentId: string | null }>(
      `select message, "paymentId" from "PaymentEvent" where "orderId" = :'oid' and type = 'status.changed'
       order by "createdAt", ctid`,
      { oid: orderId },
    );
  }

  outboxRows(orderId: string): number {
    return this.rows<{ n: number }>(`select count(*)::int as n from "Outbox" where "orderId" = :'oid'`, {
      oid: orderId,
    })[0]!.n;
  }

  setKaspiTruth(kaspiPaymentId: string, status: string, amount: number): void {
    this.run(`update "SandboxPayment" set status = :'st', amount = :amt where id = :'id'`, {
      st: status,
      amt: Math.trunc(amount),
      id: kaspiPaymentId,
    });
  }

  close(): void {}
}
