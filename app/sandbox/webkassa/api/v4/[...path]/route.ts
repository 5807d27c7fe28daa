// POST /sandbox/webkassa/api/v4/{Authorize|check|ZReport|Check/History|Cashboxes} — the built-in
// Webkassa simulator (lib/sandbox/webkassa/webkassa-simulator.ts), where the sandbox is on.
import { siteSettings } from "@/lib/container";
import { db } from "@/lib/db";
import { sandboxRoute } from "@/lib/sandbox/http";
import { simulateWebkassa, simulatorResponse } from "@/lib/sandbox/webkassa/webkassa-simulator";

export async function POST(request: Request, ctx: { params: Promise<{ path: string[] }> }): Promise<Response> {
  return sandboxRoute("POST /sandbox/webkassa/api/v4", async () => {
    const { path } = await ctx.params;
    const answer = await simulateWebkassa(
      { db: db(), publicUrl: siteSettings().appUrl },
      { path: path.join("/"), apiKey: request.headers.get("x-api-key"), body: await request.text() },
    );
    return simulatorResponse(answer);
  });
}
