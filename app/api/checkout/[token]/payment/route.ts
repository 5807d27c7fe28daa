// POST /api/checkout/{token}/payment — create or reuse the Kaspi payment of this checkout.
import { startPaymentDeps } from "@/lib/container";
import { errorResponse, internalError, json, parseWith, readOptionalJsonBody } from "@/lib/http/responses";
import { startPaymentBodySchema } from "@/lib/payments/start-payment-body";
import { startPayment } from "@/lib/payments/start-payment-use-case";

const TOKEN = /^[A-Za-z0-9_-]{16,64}$/;

export async function POST(request: Request, ctx: { params: Promise<{ token: string }> }): Promise<Response> {
  try {
    const { token } = await ctx.params;
    if (!TOKEN.test(token)) return errorResponse({ code: "NOT_FOUND", message: "unknown checkout" });
    const body = await readOptionalJsonBody(request, 1024);
    if (!body.ok) return errorResponse(body.error);
    const parsed = parseWith(startPaymentBodySchema, body.value.json ?? {});
    if (!parsed.ok) return errorResponse(parsed.error);
    const { retryOf, device } = parsed.value;
    const result = await startPayment(startPaymentDeps(), {
      token,
      ...(retryOf ? { retryOf } : {}),
      ...(device ? { device } : {}),
    });
    return result.ok ? json(result.value) : errorResponse(result.error);
  } catch (e) {
    return internalError("POST /api/checkout/{token}/payment", e);
  }
}
