// POST /sandbox/kaspi/test/payments/{paymentId}/callback — send a callback claiming any status
// without changing what the sandbox knows: forged, late, duplicate and out-of-order callbacks.
import { z } from "zod";
import { db } from "@/lib/db";
import { errorOf, errorResponse, json } from "@/lib/http/responses";
import { readRequest } from "@/lib/http/read-request";
import { sandboxRoute } from "@/lib/sandbox/http";
import { sandboxReadPayment, sendSandboxCallback } from "@/lib/sandbox/sandbox-service";

const bodySchema = z
  .object({ status: z.string().min(1).max(50), copies: z.number().int().min(1).max(200).default(1) })
  .strict();

export async function POST(request: Request, ctx: { params: Promise<{ paymentId: string }> }): Promise<Response> {
  return sandboxRoute("POST /sandbox/kaspi/test/payments/{id}/callback", async () => {
    const body = await readRequest(request, { schema: bodySchema, optional: true });
    if (!body.ok) return errorResponse(body.error);
    const { paymentId } = await ctx.params;
    const payment = await sandboxReadPayment(db(), paymentId);
    if (!payment) return errorOf("NOT_FOUND", "unknown payment");
    const statuses = await sendSandboxCallback(db(), payment, body.value.value.status, body.value.value.copies);
    return json({
      paymentId,
      sandboxStatus: payment.status,
      claimed: body.value.value.status,
      callbackStatuses: statuses,
    });
  });
}
