// POST /sandbox/kaspi/test/faults — inject a fault; DELETE — clear them all.
import { db } from "@/lib/db";
import { readRequest } from "@/lib/http/read-request";
import { errorResponse, internalError, json } from "@/lib/http/responses";
import { addFault, clearFaults, faultRequestSchema } from "@/lib/sandbox/faults";
import { sandboxDisabled } from "@/lib/sandbox/http";

export async function POST(request: Request): Promise<Response> {
  try {
    const blocked = sandboxDisabled();
    if (blocked) return blocked;
    const fault = await readRequest(request, { schema: faultRequestSchema });
    if (!fault.ok) return errorResponse(fault.error);
    return json({ id: await addFault(db(), fault.value.value) }, 201);
  } catch (e) {
    return internalError("POST /sandbox/kaspi/test/faults", e);
  }
}

export async function DELETE(): Promise<Response> {
  try {
    const blocked = sandboxDisabled();
    if (blocked) return blocked;
    return json({ cleared: await clearFaults(db()) });
  } catch (e) {
    return internalError("DELETE /sandbox/kaspi/test/faults", e);
  }
}
