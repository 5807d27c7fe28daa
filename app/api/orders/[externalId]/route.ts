// GET /api/orders/{externalId} — Bitrix re-checks an order (signed, body ""). Only the orders of the
// store whose secret verified the signature (X-Kaspi-Store): another store's is 404.
import { verifyBitrixRequest } from "@/lib/bitrix-onprem/verify-request";
import { db } from "@/lib/db";
import { parsePathParam } from "@/lib/http/path-param";
import { errorResponse, internalError, resultResponse } from "@/lib/http/responses";
import { getOrderForBitrix } from "@/lib/payments/order-intake-use-case";
import { externalIdSchema } from "@/lib/payments/order-schemas";

export async function GET(request: Request, ctx: { params: Promise<{ externalId: string }> }): Promise<Response> {
  try {
    const signed = await verifyBitrixRequest(request, "");
    if (!signed.ok) return errorResponse(signed.error);
    const { externalId } = await ctx.params;
    const id = parsePathParam(externalIdSchema, externalId);
    if (!id.ok) return errorResponse(id.error);
    const result = await getOrderForBitrix(db(), id.value, signed.value.storeId);
    return resultResponse(result);
  } catch (e) {
    return internalError("GET /api/orders/{externalId}", e);
  }
}
