// GET /api/health — for load balancers: database reachable, outbox backlog.
import { db } from "@/lib/db";
import { json } from "@/lib/http/responses";

export async function GET(): Promise<Response> {
  try {
    const backlog = await db().outbox.count({ where: { deliveredAt: null } });
    return json({ status: "ok", outboxBacklog: backlog });
  } catch {
    return json({ status: "error", error: { code: "INTERNAL", message: "database unreachable" } }, 503);
  }
}
