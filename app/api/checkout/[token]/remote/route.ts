// POST /api/checkout/{token}/remote — Kaspi QR r3 "send the invoice to my Kaspi app":
// { action: "client-info" | "send", phone } | { action: "check" | "cancel" } (shopper actions only).
// client-info (phone → the account holder's name) is capped per token and per client address
// (docs/security.md "Phone-number lookups"); over a cap: 429 with Retry-After.
import { startPaymentDeps } from "@/lib/container";
import { clientAddressOf } from "@/lib/http/client-address";
import { limitKeyOf } from "@/lib/http/ip-list";
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
    if (!checkoutTokenSchema.safeParse(token).success)
      return errorResponse({ code: "NOT_FOUND", message: "unknown checkout" });
    const body = await readRequest(request, { schema: remoteActionSchema, maxBytes: 1024 });
    if (!body.ok) return errorResponse(body.error);
    const deps = startPaymentDeps();
    const input = body.value.value;
    const result =
      input.action === "client-info"
        ? await remoteClientInfo(deps, {
            token,
            phone: input.phone,
            clientKey: limitKeyOf(clientAddressOf(request) ?? "unknown"),
          })
        : input.action === "send"
          ? await sendRemoteInvoice(deps, { token, phone: input.phone })
          : input.action === "check"
            ? await checkRemoteInvoice(deps, { token })
            : await cancelRemoteInvoice(deps, { token });
    if (result.ok) return json(result.value);
    const retry = (result.error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
    return errorResponse(result.error, retry ? { "Retry-After": String(retry) } : {});
  } catch (e) {
    return internalError("POST /api/checkout/{token}/remote", e);
  }
}
