import { callbackDeps } from "../container";
import { ecomCallbackSchema } from "../kaspi/ecom-schemas";
import { handleKaspiCallback } from "../payments/handle-callback-use-case";
import { readRequest } from "./read-request";
import { errorOf, errorResponse, internalError, json } from "./responses";

// POST /api/kaspi/callback — Kaspi says a payment changed. Verified by GET before anything moves.
// One implementation for both doors: the route handler under app/ (next dev, route tests) and the
// production server's fast path (lib/live/node-handler.ts), which skips Next's request pipeline.
export async function answerKaspiCallback(request: Request): Promise<Response> {
  try {
    // Callbacks exist only in the eCommerce API: with no store on it this is no door at all.
    const deps = await callbackDeps();
    if (!deps.enabled) return errorOf("NOT_FOUND", "this Kaspi protocol sends no callbacks");
    const callback = await readRequest(request, {
      schema: ecomCallbackSchema,
      maxBytes: 8 * 1024,
      invalidCode: "BAD_REQUEST",
    });
    if (!callback.ok) return errorResponse(callback.error);
    const result = await handleKaspiCallback(deps, callback.value.value);
    if (!result.ok) return errorResponse(result.error);
    // Handled, including "rejected", deferred and duplicates: Kaspi must not retry those. An
    // unknown payment id is "rejected" too, with these same bytes: the answer is no oracle for
    // which ids exist (handle-callback-use-case.ts).
    return json({ status: "OK" });
  } catch (e) {
    return internalError("POST /api/kaspi/callback", e);
  }
}
