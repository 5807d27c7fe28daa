// POST /api/checkout/{token}/payment — create or reuse the Kaspi payment of this checkout.
import { startPaymentDeps } from "@/lib/container";
import { readRequest } from "@/lib/http/read-request";
import { errorResponse, internalError, resultResponse } from "@/lib/http/responses";
import { checkoutTokenSchema } from "@/lib/payments/checkout-views";
import { startPaymentBodySchema } from "@/lib/payments/start-payment-body";
import { startPayment } from "@/lib/payments/start-payment-use-case";

export async function POST(request: Request, ctx: { params: Promise<{ token: string }> }): Promise<Response> {
  try {
    const { token } = await ctx.params;
    if (!checkoutTokenSchema.safeParse(token).success) return errorResponse({ code: "NOT_FOUND", message: "unknown checkout" });
    const body = await readRequest(request, { schema: startPaymentBodySchema, optional: true, maxBytes: 1024 });
    if (!body.ok) return errorResponse(body.error);
    const { retryOf, device } = body.value.value;
    const result = await startPayment(startPaymentDeps(), {
      token,
      ...(retryOf ? { retryOf } : {}),
      ...(device ? { device } : {}),
    });
    return resultResponse(result);
  } catch (e) {
    return internalError("POST /api/checkout/{token}/payment", e);
  }
}
