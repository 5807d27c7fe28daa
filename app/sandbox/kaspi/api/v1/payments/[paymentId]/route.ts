// GET /sandbox/kaspi/api/v1/payments/{paymentId} — simulated Kaspi eCommerce: payment status.
import { db } from "@/lib/db";
import { errorOf, internalError, json } from "@/lib/http/responses";
import { takeFault } from "@/lib/sandbox/faults";
import { playFault, SANDBOX_HEADERS, sandboxDisabled, sandboxUnauthorized } from "@/lib/sandbox/http";
import { sandboxReadPayment, statusBody } from "@/lib/sandbox/sandbox-service";

export async function GET(request: Request, ctx: { params: Promise<{ paymentId: string }> }): Promise<Response> {
  try {
    const blocked = sandboxDisabled() ?? sandboxUnauthorized(request);
    if (blocked) return blocked;
    const { paymentId } = await ctx.params;
    const fault = await takeFault(db(), "status", paymentId);
    const faulted = await playFault(fault);
    if (faulted) return faulted;
    const payment = await sandboxReadPayment(db(), paymentId);
    if (!payment) return errorOf("NOT_FOUND", "unknown payment");
    const lie = fault?.kind === "status" && fault.status ? fault.status : undefined;
    return json(statusBody(payment, lie), 200, SANDBOX_HEADERS);
  } catch (e) {
    return internalError("GET /sandbox/kaspi/api/v1/payments/{paymentId}", e);
  }
}
