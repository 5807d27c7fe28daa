import { timingSafeEqual } from "node:crypto";
import type { Db } from "./db";
import { env } from "./env";
import { findSession, sessionCookieName, tokenFromCookieHeader } from "./merchant/sessions";

// GET /api/health: anyone (a load balancer) learns only ok/degraded; the figures (backlog, oldest
// open payment) are for a monitor holding HEALTH_TOKEN or a signed-in merchant.

export type HealthReport = {
  status: "ok" | "degraded";
  database?: "ok" | "unreachable";
  outboxBacklog?: number;
  oldestOpenPaymentAgeSeconds?: number | null;
  /** Fiscal receipts (lib/fiscal/): queued, refused or held (a person must act), and a stopped register. */
  receiptsPending?: number;
  receiptsNeedingAttention?: number;
  cashRegisterStopped?: boolean;
};

function bearerMatches(request: Request, token: string | undefined): boolean {
  if (!token) return false;
  const given = /^Bearer (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1] ?? "";
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function mayReadFigures(db: Db, request: Request): Promise<boolean> {
  const e = env();
  if (bearerMatches(request, e.HEALTH_TOKEN)) return true;
  const cookie = tokenFromCookieHeader(request.headers.get("cookie"), sessionCookieName(e.appUrl));
  return cookie ? (await findSession(db, cookie)) !== null : false;
}

export async function healthReport(db: Db, request: Request): Promise<HealthReport> {
  let figures: Omit<HealthReport, "status">;
  try {
    const [backlog, oldestOpen, pending, attention, stopped] = await Promise.all([
      db.outbox.count({ where: { deliveredAt: null } }),
      db.payment.findFirst({
        where: { status: { in: ["CREATED", "PENDING"] } },
        orderBy: { createdAt: "asc" },
        select: { createdAt: true },
      }),
      db.fiscalReceipt.count({ where: { status: "PENDING" } }),
      db.fiscalReceipt.count({ where: { status: { in: ["FAILED", "HELD"] } } }),
      db.fiscalCashbox.count({ where: { blockedAt: { not: null } } }),
    ]);
    figures = {
      database: "ok",
      outboxBacklog: backlog,
      oldestOpenPaymentAgeSeconds: oldestOpen ? Math.round((Date.now() - oldestOpen.createdAt.getTime()) / 1000) : null,
      receiptsPending: pending,
      receiptsNeedingAttention: attention,
      cashRegisterStopped: stopped > 0,
    };
  } catch {
    return { status: "degraded" };
  }
  return (await mayReadFigures(db, request)) ? { status: "ok", ...figures } : { status: "ok" };
}
