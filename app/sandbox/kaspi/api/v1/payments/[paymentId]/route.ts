// GET /sandbox/kaspi/api/v1/payments/{paymentId} — simulated Kaspi eCommerce: payment status.
import { db } from "@/lib/db";
import { errorOf, json } from "@/lib/http/responses";
import { takeFault } from "@/lib/sandbox/faults";
import { playFault, SANDBOX_HEADERS, sandboxRoute, sandboxUnauthorized } from "@/lib/sandbox/http";
import { sandboxReadPayment, statusBody } from "@/lib/sandbox/sandbox-service";

export async function GET(request: Request, ctx: { params: Promise<{ paymentId: string }> }): Promise<Response> {
  return sandboxRoute("GET /sandbox/kaspi/api/v1/payments/{paymentId}", async () => {
    const unauthorized = sandboxUnauthorized(request);
    if (unauthorized) return unauthorized;
    const { paymentId } = await ctx.params;
    const fault = await takeFault(db(), "status", paymentId);
    const faulted = await playFault(fault);
    if (faulted) return faulted;
    const payment = await sandboxReadPayment(db(), paymentId);
    if (!payment) return errorOf("NOT_FOUND", "unknown payment");
    const lie = fault?.kind === "status" && fault.status ? fault.status : undefined;
    return json(statusBody(payment, lie), 200, SANDBOX_HEADERS);
  });
}
