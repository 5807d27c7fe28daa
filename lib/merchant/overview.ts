import type { Db } from "../db";
import { addDays, almatyDay, almatyDayEnd, almatyDayStart } from "./almaty-time";
import { PAID_LIKE } from "./payments-query";

// The overview: paid amount per Almaty day for the last N days, and conversion (orders paid /
// orders created) over the same period, of one store. One indexed range aggregate per day keeps
// memory flat.

export type DayTotal = { day: string; paidSum: number; paidCount: number };
export type Overview = { days: DayTotal[]; ordersCreated: number; ordersPaid: number; conversion: number | null };

export async function merchantOverview(db: Db, storeId: string, now = new Date(), dayCount = 30): Promise<Overview> {
  const today = almatyDay(now);
  const labels = Array.from({ length: dayCount }, (_, i) => addDays(today, i - dayCount + 1));
  const sums = await Promise.all(
    labels.map((day) =>
      db.payment.aggregate({
        where: { storeId, paidAt: { gte: almatyDayStart(day), lt: almatyDayEnd(day) } },
        _sum: { amount: true },
        _count: { _all: true },
      }),
    ),
  );
  const since = almatyDayStart(labels[0] ?? today);
  const [ordersCreated, ordersPaid] = await Promise.all([
    db.order.count({ where: { storeId, createdAt: { gte: since } } }),
    db.order.count({ where: { storeId, createdAt: { gte: since }, status: { in: PAID_LIKE } } }),
  ]);
  return {
    days: labels.map((day, i) => ({ day, paidSum: sums[i]?._sum.amount ?? 0, paidCount: sums[i]?._count._all ?? 0 })),
    ordersCreated,
    ordersPaid,
    conversion: ordersCreated ? ordersPaid / ordersCreated : null,
  };
}
