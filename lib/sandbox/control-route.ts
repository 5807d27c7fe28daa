import { z } from "zod";
import { db } from "../db";
import { readRequest } from "../http/read-request";
import { errorResponse, json } from "../http/responses";
import { sandboxRoute } from "./http";
import { sandboxDecide } from "./decide";

const decideBodySchema = z
  .object({
    callbackDelayMs: z.number().int().min(0).max(600_000).optional(),
    duplicates: z.number().int().min(1).max(200).optional(),
    skipCallback: z.boolean().optional(),
  })
  .strict();

/** POST /sandbox/kaspi/test/payments/{id}/confirm|decline — act as the shopper in the Kaspi app. */
export async function handleSandboxDecision(
  request: Request,
  ctx: { params: Promise<{ paymentId: string }> },
  decision: "COMPLETED" | "FAILED",
): Promise<Response> {
  return sandboxRoute(`POST /sandbox/kaspi/test/payments/{id}/${decision}`, async () => {
    const opts = await readRequest(request, { schema: decideBodySchema, optional: true });
    if (!opts.ok) return errorResponse(opts.error);
    const { paymentId } = await ctx.params;
    const result = await sandboxDecide(db(), paymentId, decision, opts.value.value);
    // check/pay: what "Kaspi" sent the store and what it answered, for the Kaspi app page and tests.
    const checkpay = result.calls ? { checkpay: result.calls } : {};
    if (!result.ok) {
      return json({ error: { code: result.code, message: result.message }, ...checkpay }, result.status);
    }
    return json({ paymentId, status: result.payment.status, callbackStatuses: result.callbackStatuses, ...checkpay });
  });
}
