import { randomBytes } from "node:crypto";
import Database from "better-sqlite3";
import { signatureHeaders } from "../../lib/bitrix-onprem/signature";
import { BENCH_SECRET } from "./processes";

// Orders and payments for the bench: through the app's own API (signed intake, the checkout's
// payment call, the sandbox's confirm) where the path matters, straight into SQLite where only
// the rows' existence does (thousands of watched checkouts).

export type Checkout = { token: string; externalId: string; paymentId?: string };

export async function createOrder(origin: string, n: number): Promise<Checkout> {
  const externalId = `bench-${Date.now().toString(36)}-${n}-${randomBytes(3).toString("hex")}`;
  const body = JSON.stringify({ externalId, amount: 12_500, currency: "KZT", description: "bench" });
  const res = await fetch(`${origin}/api/orders`, {
    method: "POST",
    headers: { "content-type": "application/json", ...signatureHeaders(BENCH_SECRET, { method: "POST", target: "/api/orders", body }) },
    body,
  });
  if (res.status !== 201) throw new Error(`intake answered ${res.status}: ${await res.text()}`);
  const { checkoutUrl } = (await res.json()) as { checkoutUrl: string };
  return { token: new URL(checkoutUrl).pathname.split("/").pop() as string, externalId };
}

/** Creates the Kaspi (sandbox) payment as the checkout page does; returns the sandbox payment id. */
export async function startPayment(origin: string, checkout: Checkout): Promise<Checkout> {
  const res = await fetch(`${origin}/api/checkout/${checkout.token}/payment`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ device: "mobile" }),
  });
  if (!res.ok) throw new Error(`payment answered ${res.status}: ${await res.text()}`);
  const view = (await res.json()) as { paymentLink?: string };
  const paymentId = /\/sandbox\/kaspi\/pay\/([^/?#]+)/.exec(view.paymentLink ?? "")?.[1];
  if (!paymentId) throw new Error(`no sandbox payment link in ${JSON.stringify(view)}`);
  return { ...checkout, paymentId: decodeURIComponent(paymentId) };
}

export async function confirm(origin: string, paymentId: string, options: { skipCallback?: boolean } = {}): Promise<void> {
  const res = await fetch(`${origin}/sandbox/kaspi/test/payments/${encodeURIComponent(paymentId)}/confirm`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(options),
  });
  if (!res.ok) throw new Error(`confirm answered ${res.status}: ${await res.text()}`);
}

export async function inBatches<T, R>(items: T[], size: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(...(await Promise.all(items.slice(i, i + size).map((item, j) => fn(item, i + j)))));
  }
  return out;
}

/** Watched-only checkouts: order rows written directly (the app reads them like any other). */
export function insertOrders(dbFile: string, count: number): string[] {
  const db = new Database(dbFile, { timeout: 10_000 });
  const now = new Date().toISOString().replace("Z", "+00:00");
  const insert = db.prepare(
    `INSERT INTO "Order" (id, externalId, amount, currency, checkoutToken, status, createdAt, updatedAt)
     VALUES (?, ?, 12500, 'KZT', ?, 'PENDING', ?, ?)`,
  );
  const tokens: string[] = [];
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const token = randomBytes(24).toString("base64url");
      insert.run(`ord_bench_${i}_${randomBytes(4).toString("hex")}`, `bench-watch-${i}-${token.slice(0, 8)}`, token, now, now);
      tokens.push(token);
    }
  })();
  db.close();
  return tokens;
}

/** What "Kaspi" calls back with: the payment's ids as the app stored them. */
export function kaspiIds(dbFile: string, sandboxPaymentIds: string[]): { kaspiPaymentId: string; externalId: string }[] {
  const db = new Database(dbFile, { readonly: true, timeout: 10_000 });
  const get = db.prepare<[string], { kaspiPaymentId: string; kaspiExternalId: string }>(
    `SELECT kaspiPaymentId, kaspiExternalId FROM Payment WHERE kaspiPaymentId = ?`,
  );
  const out = sandboxPaymentIds.map((id) => {
    const row = get.get(id);
    if (!row) throw new Error(`no payment ${id}`);
    return { kaspiPaymentId: row.kaspiPaymentId, externalId: row.kaspiExternalId };
  });
  db.close();
  return out;
}

export function countPaid(dbFile: string, sandboxPaymentIds: string[]): number {
  const db = new Database(dbFile, { readonly: true, timeout: 10_000 });
  const get = db.prepare<[string], { status: string }>(`SELECT status FROM Payment WHERE kaspiPaymentId = ?`);
  const n = sandboxPaymentIds.filter((id) => get.get(id)?.status === "PAID").length;
  db.close();
  return n;
}
