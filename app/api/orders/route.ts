// POST /api/orders — Bitrix sends an order (signed). 201 new, 200 repeat/updated, 409 paid. The
// order belongs to the store whose secret verified the signature (X-Kaspi-Store; default store without it).
import { framedCheckoutUrl, onpremIntakeDeps } from "@/lib/container";
import { readRequest } from "@/lib/http/read-request";
import { requestLog } from "@/lib/log";
import { errorResponse, internalError, json } from "@/lib/http/responses";
import { intakeOrder } from "@/lib/payments/order-intake-use-case";
import { orderIntakeSchema } from "@/lib/payments/order-schemas";

export async function POST(request: Request): Promise<Response> {
  try {
    const read = await readRequest(request, { schema: orderIntakeSchema, signed: true });
    if (!read.ok) return errorResponse(read.error);
    const input = read.value;
    const result = await intakeOrder(onpremIntakeDeps(input.signedBy), input.value);
    if (!result.ok) return errorResponse(result.error);
    // An on-premise store's own site (its origin, Store.domain) frames its checkout.
    const store = input.signedBy?.store;
    if (store?.kind === "onpremise") {
      result.value.body.checkoutUrl = framedCheckoutUrl(result.value.body.checkoutUrl, store.domain);
    }
    requestLog(request, "POST /api/orders").info(
      { orderId: result.value.body.orderId, externalId: input.value.externalId, created: result.value.created },
      "order accepted",
    );
    return json(result.value.body, result.value.created ? 201 : 200);
  } catch (e) {
    return internalError("POST /api/orders", e);
  }
}
