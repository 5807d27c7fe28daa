// GET /api/kaspi/checkpay[?store=<storeId>] — Kaspi's check/pay provider protocol (Kaspi → app,
// allowed addresses only), for the environment's Service or for one store's.
import { checkpayDeps } from "@/lib/container";
import { errorOf, internalError, json, parseWith } from "@/lib/http/responses";
import { log } from "@/lib/log";
import { checkpayAccess } from "@/lib/kaspi/checkpay-access";
import { checkpayQuerySchema, checkpayReplyJson, checkpayReplyXml } from "@/lib/kaspi/checkpay-schemas";
import { checkpayWithinDeadline, handleCheckpayCommand } from "@/lib/payments/checkpay-use-case";

export async function GET(request: Request): Promise<Response> {
  try {
    // ?store=<storeId>: the provider URL of a store with its own check/pay Service (docs/stores.md).
    const deps = await checkpayDeps(new URL(request.url).searchParams.get("store"));
    if (!deps.enabled) return errorOf("NOT_FOUND", "the check/pay protocol is not enabled");
    const access = checkpayAccess(request);
    if (!access.allowed) {
      log().warn({ route: "/api/kaspi/checkpay", client: access.client ?? "unknown" }, "check/pay request refused");
      return errorOf("FORBIDDEN", "this address may not call the check/pay endpoint");
    }
    // `store` is ours, not Kaspi's: the schema keeps only Kaspi's parameters.
    const query = Object.fromEntries(new URL(request.url).searchParams);
    const parsed = parseWith(checkpayQuerySchema, query);
    if (!parsed.ok) return errorOf("VALIDATION_FAILED", parsed.error.message);
    const reply = await checkpayWithinDeadline(parsed.value, handleCheckpayCommand(deps, parsed.value));
    if (deps.format === "xml") {
      return new Response(checkpayReplyXml(reply), {
        status: 200,
        headers: { "Content-Type": "application/xml; charset=utf-8", "Cache-Control": "no-store" },
      });
    }
    return json(checkpayReplyJson(reply));
  } catch (e) {
    return internalError("GET /api/kaspi/checkpay", e);
  }
}
