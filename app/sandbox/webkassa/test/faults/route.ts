// POST /sandbox/webkassa/test/faults — make the Webkassa simulator fail on purpose; DELETE — stop.
import { db } from "@/lib/db";
import { readRequest } from "@/lib/http/read-request";
import { errorResponse, json } from "@/lib/http/responses";
import { sandboxRoute } from "@/lib/sandbox/http";
import { addWebkassaFault, clearWebkassaFaults, webkassaFaultSchema } from "@/lib/sandbox/webkassa/webkassa-faults";

export async function POST(request: Request): Promise<Response> {
  return sandboxRoute("POST /sandbox/webkassa/test/faults", async () => {
    const fault = await readRequest(request, { schema: webkassaFaultSchema });
    if (!fault.ok) return errorResponse(fault.error);
    return json({ id: await addWebkassaFault(db(), fault.value.value) }, 201);
  });
}

export async function DELETE(): Promise<Response> {
  return sandboxRoute("DELETE /sandbox/webkassa/test/faults", async () =>
    json({ cleared: await clearWebkassaFaults(db()) }),
  );
}
