// POST /api/kaspi/callback — Kaspi says a payment changed. Verified by GET before anything moves.
import { callbackDeps } from "@/lib/container";
import { readRequest } from "@/lib/http/read-request";
import { errorOf, errorResponse, internalError, json } from "@/lib/http/responses";
import { ecomCallbackSchema } from "@/lib/kaspi/ecom-schemas";
import { handleKaspiCallback } from "@/lib/payments/handle-callback-use-case";

export async function POST(request: Request): Promise<Response> {
  try {
    // Callbacks exist only in the eCommerce API: under the QR API and check/pay this is no door at all.
    const deps = callbackDeps();
    if (!deps.enabled) return errorOf("NOT_FOUND", "this Kaspi protocol sends no callbacks");
    const callback = await readRequest(request, {
      schema: ecomCallbackSchema,
      maxBytes: 8 * 1024,
      invalidCode: "BAD_REQUEST",
    });
    if (!callback.ok) return errorResponse(callback.error);
    const result = await handleKaspiCallback(deps, callback.value.value);
    if (!result.ok) return errorResponse(result.error);
    // Handled, including "rejected" and duplicates: Kaspi must not retry those.
    return json({ status: "OK" });
  } catch (e) {
    return internalError("POST /api/kaspi/callback", e);
  }
}
