// POST /api/kaspi/callback — Kaspi says a payment changed. Verified by GET before anything moves.
import { kaspiDeps } from "@/lib/container";
import { readRequest } from "@/lib/http/read-request";
import { errorResponse, internalError, json } from "@/lib/http/responses";
import { ecomCallbackSchema } from "@/lib/kaspi/ecom-schemas";
import { handleKaspiCallback } from "@/lib/payments/handle-callback-use-case";

export async function POST(request: Request): Promise<Response> {
  try {
    const callback = await readRequest(request, {
      schema: ecomCallbackSchema,
      maxBytes: 8 * 1024,
      invalidCode: "BAD_REQUEST",
    });
    if (!callback.ok) return errorResponse(callback.error);
    const result = await handleKaspiCallback(kaspiDeps(), callback.value.value);
    if (!result.ok) return errorResponse(result.error);
    // Handled, including "rejected" and duplicates: Kaspi must not retry those.
    return json({ status: "OK" });
  } catch (e) {
    return internalError("POST /api/kaspi/callback", e);
  }
}
