// POST /api/orders/{externalId}/refunds — a refund started in the Bitrix admin (signed, like every
// Bitrix → app request). Body { amount, refundId }; the same refundId again answers the same refund.
// Only an order of the store whose secret verified the signature, through that store's Kaspi.
import { bitrixRefundSchema, refundFromBitrix } from "@/lib/bitrix-onprem/refund-from-bitrix-use-case";
import { onpremRefundDeps } from "@/lib/container";
import { readRequest } from "@/lib/http/read-request";
import { parsePathParam } from "@/lib/http/path-param";
import { errorResponse, internalError, resultResponse } from "@/lib/http/responses";
import { externalIdSchema } from "@/lib/payments/order-schemas";

export async function POST(request: Request, ctx: { params: Promise<{ externalId: string }> }): Promise<Response> {
  try {
    const input = await readRequest(request, { schema: bitrixRefundSchema, signed: true });
    if (!input.ok) return errorResponse(input.error);
    const id = parsePathParam(externalIdSchema, (await ctx.params).externalId);
    if (!id.ok) return errorResponse(id.error);
    return resultResponse(
      await refundFromBitrix(await onpremRefundDeps(input.value.signedBy), {
        ...input.value.value,
        externalId: id.value,
      }),
    );
  } catch (e) {
    return internalError("POST /api/orders/{externalId}/refunds", e);
  }
}
