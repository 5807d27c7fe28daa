// POST /sandbox/kaspi/test/faults — inject a fault; DELETE — clear them all.
import { db } from "@/lib/db";
import { readRequest } from "@/lib/http/read-request";
import { errorResponse, json } from "@/lib/http/responses";
import { addFault, clearFaults, faultRequestSchema } from "@/lib/sandbox/faults";
import { sandboxRoute } from "@/lib/sandbox/http";

export async function POST(request: Request): Promise<Response> {
  return sandboxRoute("POST /sandbox/kaspi/test/faults", async () => {
    const fault = await readRequest(request, { schema: faultRequestSchema });
    if (!fault.ok) return errorResponse(fault.error);
    return json({ id: await addFault(db(), fault.value.value) }, 201);
  });
}

export async function DELETE(): Promise<Response> {
  return sandboxRoute("DELETE /sandbox/kaspi/test/faults", async () => {
    return json({ cleared: await clearFaults(db()) });
  });
}
