// POST /api/checkout/{token}/remote — Kaspi QR r3 "send the invoice to my Kaspi app":
// { action: "client-info" | "send", phone } | { action: "check" | "cancel" } (shopper actions only).
import { z } from "zod";
import { startPaymentDeps } from "@/lib/container";
import { errorResponse, internalError, json, parseWith, readOptionalJsonBody } from "@/lib/http/responses";
import {
  cancelRemoteInvoice,
  checkRemoteInvoice,
  remoteClientInfo,
  sendRemoteInvoice,
} from "@/lib/payments/remote-invoice-use-case";

const TOKEN = /^[A-Za-z0-9_-]{16,64}$/;
const bodySchema = z.discriminatedUnion("action", [
  z.object({ action: z.enum(["client-info", "send"]), phone: z.string().min(5).max(30) }).strict(),
  z.object({ action: z.enum(["check", "cancel"]) }).strict(),
]);

export async function POST(request: Request, ctx: { params: Promise<{ token: string }> }): Promise<Response> {
  try {
    const { token } = await ctx.params;
    if (!TOKEN.test(token)) return errorResponse({ code: "NOT_FOUND", message: "unknown checkout" });
    const body = await readOptionalJsonBody(request, 1024);
    if (!body.ok) return errorResponse(body.error);
    const parsed = parseWith(bodySchema, body.value.json ?? {});
    if (!parsed.ok) return errorResponse(parsed.error);
    const deps = startPaymentDeps();
    const input = parsed.value;
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
