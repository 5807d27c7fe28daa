// POST /api/kaspi/callback — Kaspi says a payment changed. Verified by GET before anything moves.
import { callbackDeps } from "@/lib/container";
import { errorOf, errorResponse, internalError, json, parseWith, readJsonBody } from "@/lib/http/responses";
import { ecomCallbackSchema } from "@/lib/kaspi/ecom-schemas";
import { handleKaspiCallback } from "@/lib/payments/handle-callback-use-case";

export async function POST(request: Request): Promise<Response> {
  try {
    const deps = callbackDeps();
    if (!deps.enabled) return errorOf("NOT_FOUND", "this Kaspi protocol sends no callbacks");
    const body = await readJsonBody(request, 8 * 1024);
    if (!body.ok) return errorResponse(body.error);
    const callback = parseWith(ecomCallbackSchema, body.value.json);
    if (!callback.ok) return errorResponse({ ...callback.error, code: "BAD_REQUEST" });
    const result = await handleKaspiCallback(deps, callback.value);
    if (!result.ok) return errorResponse(result.error);
    // Handled, including "rejected" and duplicates: Kaspi must not retry those.
    return json({ status: "OK" });
  } catch (e) {
    return internalError("POST /api/kaspi/callback", e);
  }
}
