// POST /api/orders — Bitrix sends an order (signed). 201 new, 200 repeat/updated, 409 paid.
import { verifyBitrixRequest } from "@/lib/bitrix-onprem/verify-request";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { requestLog } from "@/lib/log";
import { errorResponse, internalError, json, parseWith, readJsonBody } from "@/lib/http/responses";
import { intakeOrder } from "@/lib/payments/order-intake-use-case";
import { orderIntakeSchema } from "@/lib/payments/order-schemas";

export async function POST(request: Request): Promise<Response> {
  try {
    const body = await readJsonBody(request);
    if (!body.ok) return errorResponse(body.error);
    const signed = await verifyBitrixRequest(request, body.value.raw);
    if (!signed.ok) return errorResponse(signed.error);
    const input = parseWith(orderIntakeSchema, body.value.json);
    if (!input.ok) return errorResponse(input.error);
    const e = env();
    const result = await intakeOrder(
      { db: db(), appUrl: e.appUrl, limits: { min: e.ORDER_MIN_AMOUNT, max: e.ORDER_MAX_AMOUNT }, mode: e.paymentMode },
      input.value,
    );
    if (!result.ok) return errorResponse(result.error);
    requestLog(request, "POST /api/orders").info(
      { orderId: result.value.body.orderId, externalId: input.value.externalId, created: result.value.created },
      "order accepted",
    );
    return json(result.value.body, result.value.created ? 201 : 200);
  } catch (e) {
    return internalError("POST /api/orders", e);
  }
}
