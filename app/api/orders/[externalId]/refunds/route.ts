// POST /api/orders/{externalId}/refunds — a refund started in the Bitrix admin (signed, like every
// Bitrix → app request). Body { amount, refundId }; the same refundId again answers the same refund.
import { verifyBitrixRequest } from "@/lib/bitrix-onprem/verify-request";
import { bitrixRefundSchema, refundFromBitrix } from "@/lib/bitrix-onprem/refund-from-bitrix-use-case";
import { kaspiGateway } from "@/lib/container";
import { db } from "@/lib/db";
import { errorResponse, internalError, json, parseWith, readJsonBody } from "@/lib/http/responses";
import { externalIdSchema } from "@/lib/payments/order-schemas";

export async function POST(request: Request, ctx: { params: Promise<{ externalId: string }> }): Promise<Response> {
  try {
    const body = await readJsonBody(request);
    if (!body.ok) return errorResponse(body.error);
    const signed = verifyBitrixRequest(request, body.value.raw);
    if (!signed.ok) return errorResponse(signed.error);
    const { externalId } = await ctx.params;
    const id = parseWith(externalIdSchema, safeDecode(externalId));
    if (!id.ok) return errorResponse(id.error);
    const input = parseWith(bitrixRefundSchema, body.value.json);
    if (!input.ok) return errorResponse(input.error);
    const result = await refundFromBitrix(
      { db: db(), gateway: kaspiGateway() },
      { ...input.value, externalId: id.value },
    );
    return result.ok ? json(result.value) : errorResponse(result.error);
  } catch (e) {
    return internalError("POST /api/orders/{externalId}/refunds", e);
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // malformed escapes fail validation with a 422
  }
}
