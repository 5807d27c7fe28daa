// POST /api/checkout/{token}/remote — Kaspi QR r3 "send the invoice to my Kaspi app":
// { action: "client-info" | "send", phone } | { action: "check" | "cancel" } (shopper actions only).
import { startPaymentDeps } from "@/lib/container";
import { readRequest } from "@/lib/http/read-request";
import { errorResponse, internalError, json } from "@/lib/http/responses";
import { checkoutTokenSchema } from "@/lib/payments/checkout-views";
import {
  cancelRemoteInvoice,
  checkRemoteInvoice,
  remoteClientInfo,
  remoteActionSchema,
  sendRemoteInvoice,
} from "@/lib/payments/remote-invoice-use-case";


export async function POST(request: Request, ctx: { params: Promise<{ token: string }> }): Promise<Response> {
  try {
    const { token } = await ctx.params;
    if (!checkoutTokenSchema.safeParse(token).success) return errorResponse({ code: "NOT_FOUND", message: "unknown checkout" });
    const body = await readRequest(request, { schema: remoteActionSchema, maxBytes: 1024 });
    if (!body.ok) return errorResponse(body.error);
    const deps = startPaymentDeps();
    const input = body.value.value;
    const result =
      input.action === "client-info"
        ? await remoteClientInfo(deps, { token, phone: input.phone })
        : input.action === "send"
          ? await sendRemoteInvoice(deps, { token, phone: input.phone })
          : input.action === "check"
            ? await checkRemoteInvoice(deps, { token })
            : await cancelRemoteInvoice(deps, { token });
    return result.ok ? json(result.value) : errorResponse(result.error);
  } catch (e) {
    return internalError("POST /api/checkout/{token}/remote", e);
  }
}
