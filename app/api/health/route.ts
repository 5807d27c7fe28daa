// GET /api/health — for load balancers: {"status":"ok"|"degraded"}; the figures (outbox backlog,
// oldest open payment) only with HEALTH_TOKEN (Bearer) or a merchant session.
import { db } from "@/lib/db";
import { healthReport } from "@/lib/health";
import { json } from "@/lib/http/responses";

export async function GET(request: Request): Promise<Response> {
  const report = await healthReport(db(), request);
  return json(report, report.status === "ok" ? 200 : 503);
}
