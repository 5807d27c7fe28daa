// GET /sandbox/webkassa/test/state — what the Webkassa simulator registered: receipts by external
// number, shifts, and the most requests it ever answered at once for one register (tests).
import { db } from "@/lib/db";
import { json } from "@/lib/http/responses";
import { sandboxRoute } from "@/lib/sandbox/http";
import { simulatorState } from "@/lib/sandbox/webkassa/simulator-state";

export async function GET(): Promise<Response> {
  return sandboxRoute("GET /sandbox/webkassa/test/state", async () => json(await simulatorState(db())));
}
