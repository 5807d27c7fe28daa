import { isPostgresUrl, type Db } from "../db";
import { env } from "../env";
import { ATTENTION_EVENT_TYPES } from "../outbox/delivery-outcome";
import type { PaymentStatus } from "../payments/status";
import { almatyDayEnd, almatyDayStart } from "./almaty-time";
import type { PaymentFilters } from "./payment-filters";

// The merchant payments list: newest first, keyset pagination on (createdAt, id) so page N costs
// what page 1 does, filters and search that stay within what SQLite and PostgreSQL both run
// (Prisma queries only), and totals over the whole filtered set. Everything is within one store:
// the signed-in merchant's (MerchantSessionView.storeId).

export type PaymentWhere = NonNullable<NonNullable<Parameters<Db["payment"]["findMany"]>[0]>["where"]>;

export const PAGE_SIZE = 50;
/** Fiscal receipt statuses that put a payment in the needs-attention filter (lib/fiscal/). */
export const RECEIPTS_NEEDING_A_PERSON = ["FAILED", "HELD"];
export const PAID_LIKE: PaymentStatus[] = ["PAID", "PARTIALLY_REFUNDED", "REFUNDED"];

/** Search terms a phone number could be typed as: "8 701 234", "+7701…" all look for 7701…. */
function phoneDigits(q: string): string | undefined {
  let digits = q.replace(/\D/g, "");
  if (digits.length < 4) return undefined;
  if (digits.length === 11 && digits.startsWith("8")) digits = `7${digits.slice(1)}`;
  return digits;
}

/** Orders whose search fields match; above this many, the search falls back to a join. */
export const SEARCH_ORDER_LIMIT = 2_000;

/**
 * The filter as a Prisma where. A search first finds the matching orders (one scan of the orders
 * table, or index hits for exact ids), then filters payments by those ids: much cheaper than a
 * relation filter evaluated per payment row.
 */
export async function whereOf(db: Db, storeId: string, f: Omit<PaymentFilters, "cursor">): Promise<PaymentWhere> {
  const and: PaymentWhere[] = [{ storeId }];
  if (f.status) and.push({ status: f.status });
  if (f.from) and.push({ createdAt: { gte: almatyDayStart(f.from) } });
  if (f.to) and.push({ createdAt: { lt: almatyDayEnd(f.to) } });
  if (f.q) and.push(await searchWhere(db, storeId, f.q));
  if (f.attention) {
    // A person must act: an attention event (e.g. paid after the order was cancelled), or a fiscal
    // receipt refused for good or held by a stopped cash register (until it is issued).
    and.push({
      OR: [
        { events: { some: { type: { in: ATTENTION_EVENT_TYPES } } } },
        { receipts: { some: { status: { in: RECEIPTS_NEEDING_A_PERSON } } } },
      ],
    });
  }
  return { AND: and };
}

/**
 * Exact ids first (unique or indexed columns: an index hit each); only when nothing matches
 * exactly, a partial search over orders (externalId, account number, phone) and Kaspi ids. Only
 * the store's orders and payments count: another store's exact match must not hide this store's
 * partial ones.
 */
async function searchWhere(db: Db, storeId: string, q: string): Promise<PaymentWhere> {
  const digits = phoneDigits(q);
  const exactPhone = digits?.length === 11 ? `+${digits}` : undefined;
  const exactOrders = await db.order.findMany({
    where: {
      storeId,
      OR: [{ externalId: q }, { accountNumber: q }, ...(exactPhone ? [{ phone: exactPhone }] : [])],
    },
    select: { id: true },
    take: SEARCH_ORDER_LIMIT,
  });
  const exactPayment = await db.payment.findFirst({ where: { kaspiPaymentId: q, storeId }, select: { id: true } });
  if (exactOrders.length || exactPayment) {
    return {
      OR: [
        ...(exactOrders.length ? [{ orderId: { in: exactOrders.map((o) => o.id) } }] : []),
        ...(exactPayment ? [{ id: exactPayment.id }] : []),
      ],
    };
  }
  const orderMatch = {
    storeId,
    OR: [
      { externalId: containsText(q) },
      { accountNumber: containsText(q) },
      ...(digits ? [{ phone: { contains: digits } }] : []),
    ],
  };
  const orders = await db.order.findMany({ where: orderMatch, select: { id: true }, take: SEARCH_ORDER_LIMIT + 1 });
  const byOrder: PaymentWhere =
    orders.length > SEARCH_ORDER_LIMIT ? { order: { is: orderMatch } } : { orderId: { in: orders.map((o) => o.id) } };
  return { OR: [byOrder, { kaspiPaymentId: containsText(q) }] };
}

/**
 * A partial match that ignores letter case on both databases: SQLite's LIKE already does (for
 * Latin letters), PostgreSQL's needs Prisma's `mode: "insensitive"` (ILIKE), which the SQLite
 * client's types do not know.
 */
function containsText(q: string): { contains: string } {
  return isPostgresUrl(env().DATABASE_URL)
    ? ({ contains: q, mode: "insensitive" } as { contains: string })
    : { contains: q };
}

type Cursor = { createdAt: Date; id: string };

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.createdAt.toISOString(), c.id])).toString("base64url");
}

export function decodeCursor(value: string | undefined): Cursor | undefined {
  if (!value) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
    if (!Array.isArray(parsed) || typeof parsed[0] !== "string" || typeof parsed[1] !== "string") return undefined;
    const createdAt = new Date(parsed[0]);
    return Number.isNaN(createdAt.getTime()) ? undefined : { createdAt, id: parsed[1] };
  } catch {
    return undefined;
  }
}

function after(c: Cursor): PaymentWhere {
  return { OR: [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }] };
}

const rowSelect = {
  id: true,
  createdAt: true,
  amount: true,
  refundedAmount: true,
  status: true,
  attempt: true,
  kaspiPaymentId: true,
  kaspiTxnDate: true,
  paidAt: true,
  order: { select: { id: true, externalId: true, accountNumber: true, phone: true } },
  // The payment's sale receipt (at most one: FiscalReceipt.key "sale:<payment>"), for the CSV.
  receipts: { where: { kind: "sale" }, select: { checkNumber: true, ticketUrl: true }, take: 1 },
} as const;

export type PaymentRow = Awaited<ReturnType<typeof fetchRows>>[number];

async function fetchRows(db: Db, where: PaymentWhere, take: number) {
  return db.payment.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take,
    select: rowSelect,
  });
}

export type PaymentPage = { rows: PaymentRow[]; nextCursor: string | null };

export async function listPayments(
  db: Db,
  storeId: string,
  f: PaymentFilters,
  pageSize = PAGE_SIZE,
  precomputed?: PaymentWhere,
): Promise<PaymentPage> {
  const base = precomputed ?? (await whereOf(db, storeId, f));
  const cursor = decodeCursor(f.cursor);
  const where = cursor ? { AND: [base, after(cursor)] } : base;
  const rows = await fetchRows(db, where, pageSize + 1);
  const page = rows.slice(0, pageSize);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: rows.length > pageSize && last ? encodeCursor(last) : null };
}

/** Every row of a filtered view, newest first, a batch at a time (the CSV export). */
export async function* allPayments(
  db: Db,
  storeId: string,
  f: PaymentFilters,
  batch = 1000,
): AsyncGenerator<PaymentRow> {
  const base = await whereOf(db, storeId, f);
  let cursor: Cursor | undefined;
  for (;;) {
    const rows = await fetchRows(db, cursor ? { AND: [base, after(cursor)] } : base, batch);
    yield* rows;
    const last = rows[rows.length - 1];
    if (rows.length < batch || !last) return;
    cursor = last;
  }
}

export type PaymentTotals = { count: number; paidCount: number; paidSum: number; refundedSum: number };

/** Totals of the filtered set: a count of all, and sums over the paid-like statuses. */
export async function paymentTotals(
  db: Db,
  storeId: string,
  f: PaymentFilters,
  where?: PaymentWhere,
): Promise<PaymentTotals> {
  const w = where ?? (await whereOf(db, storeId, f));
  const [count, paid] = await Promise.all([
    db.payment.count({ where: w }),
    db.payment.aggregate({
      where: { AND: [w, { status: { in: PAID_LIKE } }] },
      _count: { _all: true },
      _sum: { amount: true, refundedAmount: true },
    }),
  ]);
  return {
    count,
    paidCount: paid._count._all,
    paidSum: paid._sum.amount ?? 0,
    refundedSum: paid._sum.refundedAmount ?? 0,
  };
}

/** What the list page shows: one page and the totals, the filter (and its search) resolved once. */
export async function paymentsView(
  db: Db,
  storeId: string,
  f: PaymentFilters,
): Promise<{ page: PaymentPage; totals: PaymentTotals }> {
  const where = await whereOf(db, storeId, f);
  const [page, totals] = await Promise.all([
    listPayments(db, storeId, f, PAGE_SIZE, where),
    paymentTotals(db, storeId, f, where),
  ]);
  return { page, totals };
}
