// GET /api/health — for load balancers: database reachable, outbox backlog, oldest open payment.
import { db } from "@/lib/db";
import { json } from "@/lib/http/responses";

export async function GET(): Promise<Response> {
  try {
    const client = db();
    const [backlog, oldestOpen] = await Promise.all([
      client.outbox.count({ where: { deliveredAt: null } }),
      client.payment.findFirst({
        where: { status: { in: ["CREATED", "PENDING"] } },
        orderBy: { createdAt: "asc" },
        select: { createdAt: true },
      }),
    ]);
    return json({
      status: "ok",
      database: "ok",
      outboxBacklog: backlog,
      oldestOpenPaymentAgeSeconds: oldestOpen ? Math.round((Date.now() - oldestOpen.createdAt.getTime()) / 1000) : null,
    });
  } catch {
    return json(
      { status: "error", database: "unreachable", error: { code: "INTERNAL", message: "database unreachable" } },
      503,
    );
  }
}
