// The reliability suite's view of the app's database when it runs on PostgreSQL (--postgres): the
// same reads as Store (support.ts) for SQLite, and synchronous like better-sqlite3, so the
// scenarios read both alike. A worker thread (pg-sync-worker.mjs) holds the connection; each call
// waits on a shared flag for its answer. Values are query parameters, never spliced into the SQL.
import path from "node:path";
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import type { PaymentRow, StoreReader } from "./support";

export class PgStore implements StoreReader {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));

  constructor(databaseUrl: string) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(path.join(import.meta.dirname, "pg-sync-worker.mjs"), {
      workerData: { url: databaseUrl, port: port2, signal: this.flag.buffer },
      transferList: [port2],
    });
    this.worker.unref();
  }

  private rows<T>(sql: string, params: unknown[] = []): T[] {
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage({ sql, params });
    if (Atomics.wait(this.flag, 0, 0, 30_000) === "timed-out") throw new Error(`no answer from PostgreSQL: ${sql}`);
    const reply = receiveMessageOnPort(this.port)?.message as { rows?: T[]; error?: string } | undefined;
    if (!reply?.rows) throw new Error(`PostgreSQL: ${reply?.error ?? "no reply"} (${sql})`);
    return reply.rows;
  }

  order(externalId: string) {
    return this.rows<{ id: string; status: string; amount: number }>(
      `select id, status, amount from "Order" where "externalId" = $1`,
      [externalId],
    )[0];
  }

  payments(orderId: string): PaymentRow[] {
    return this.rows<PaymentRow>(
      `select id, "orderId", attempt, "kaspiExternalId", "kaspiPaymentId", amount, status from "Payment"
       where "orderId" = $1 order by attempt`,
      [orderId],
    );
  }

  kaspiPayments(externalId: string) {
    return this.rows<{ id: string; externalId: string; amount: number; status: string }>(
      `select id, "externalId", amount, status from "SandboxPayment" where "externalId" = $1 or "externalId" like $2`,
      [externalId, `${externalId}#%`],
    );
  }

  statusChanges(orderId: string) {
    // The timeline is append-only, so the physical order (ctid) is the insertion order within one ms.
    return this.rows<{ message: string; paymentId: string | null }>(
      `select message, "paymentId" from "PaymentEvent" where "orderId" = $1 and type = 'status.changed'
       order by "createdAt", ctid`,
      [orderId],
    );
  }

  outboxRows(orderId: string): number {
    return this.rows<{ n: number }>(`select count(*)::int as n from "Outbox" where "orderId" = $1`, [orderId])[0]!.n;
  }

  setKaspiTruth(kaspiPaymentId: string, status: string, amount: number): void {
    this.rows(`update "SandboxPayment" set status = $1, amount = $2 where id = $3`, [status, amount, kaspiPaymentId]);
  }

  close(): void {
    this.port.close();
    void this.worker.terminate();
  }
}
