import type { Db } from "../db";
import type { PaymentStatus } from "../payments/status";
import { almatyDayEnd, almatyDayStart } from "./almaty-time";
import type { PaymentFilters } from "./payment-filters";

// The merchant payments list: newest first, keyset pagination on (createdAt, id) so page N costs
// what page 1 does, filters and search that stay within what SQLite and PostgreSQL both run
// (Prisma queries only), and totals over the whole filtered set.

export type PaymentWhere = NonNullable<NonNullable<Parameters<Db["payment"]["findMany"]>[0]>["where"]>;

export const PAGE_SIZE = 50;
export const PAID_LIKE: PaymentStatus[] = ["PAID", "PARTIALLY_REFUNDED", "REFUNDED"];

/** Search terms a phone number could be typed as: "8 701 234", "+7701…" all look for 7701…. */
function phoneDigits(q: string): string | undefined {
  let digits = q.replace(/\D/g, "");
  if (digits.length < 4) return undefined;
  if (digits.length === 11 && digits.startsWith("8")) digits = `7${digits.slice(1)}`;
  return digits;
}

export function whereOf(f: Omit<PaymentFilters, "cursor">): PaymentWhere {
  const and: PaymentWhere[] = [];
  if (f.status) and.push({ status: f.status });
  if (f.from) and.push({ createdAt: { gte: almatyDayStart(f.from) } });
  if (f.to) and.push({ createdAt: { lt: almatyDayEnd(f.to) } });
  if (f.q) {
    const q = f.q;
    const or: PaymentWhere[] = [
      { kaspiPaymentId: { contains: q } },
      { order: { is: { externalId: { contains: q } } } },
      { order: { is: { accountNumber: { contains: q } } } },
    ];
    const digits = phoneDigits(q);
    if (digits) or.push({ order: { is: { phone: { contains: digits } } } });
    and.push({ OR: or });
  }
  return and.length ? { AND: and } : {};
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
  paidAt: true,
  order: { select: { id: true, externalId: true, accountNumber: true, phone: true } },
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

export async function listPayments(db: Db, f: PaymentFilters, pageSize = PAGE_SIZE): Promise<PaymentPage> {
  const base = whereOf(f);
  const cursor = decodeCursor(f.cursor);
  const where = cursor ? { AND: [base, after(cursor)] } : base;
  const rows = await fetchRows(db, where, pageSize + 1);
  const page = rows.slice(0, pageSize);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: rows.length > pageSize && last ? encodeCursor(last) : null };
}

/** Every row of a filtered view, newest first, a batch at a time (the CSV export). */
export async function* allPayments(db: Db, f: PaymentFilters, batch = 1000): AsyncGenerator<PaymentRow> {
  const base = whereOf(f);
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

export async function paymentTotals(db: Db, f: PaymentFilters): Promise<PaymentTotals> {
  const where = whereOf(f);
  const [count, paid] = await Promise.all([
    db.payment.count({ where }),
    db.payment.aggregate({
      where: { AND: [where, { status: { in: PAID_LIKE } }] },
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
