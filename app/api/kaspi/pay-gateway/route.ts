// GET /api/kaspi/pay-gateway — Kaspi's check/pay provider protocol (Kaspi → app, allowed addresses only).
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { errorOf, internalError, json, parseWith } from "@/lib/http/responses";
import { log } from "@/lib/log";
import { gatewayAccess } from "@/lib/kaspi/gateway-protocol-access";
import { gatewayQuerySchema, gatewayReplyXml } from "@/lib/kaspi/gateway-protocol-schemas";
import { handleGatewayCommand } from "@/lib/payments/pay-gateway-use-case";

export async function GET(request: Request): Promise<Response> {
  try {
    const e = env();
    if (e.KASPI_PROTOCOL !== "gateway") return errorOf("NOT_FOUND", "the check/pay protocol is not enabled");
    const access = gatewayAccess(request);
    if (!access.allowed) {
      log().warn({ route: "/api/kaspi/pay-gateway", client: access.client ?? "unknown" }, "check/pay request refused");
      return errorOf("FORBIDDEN", "this address may not call the payment gateway");
    }
    const query = Object.fromEntries(new URL(request.url).searchParams);
    const parsed = parseWith(gatewayQuerySchema, query);
    if (!parsed.ok) return errorOf("VALIDATION_FAILED", parsed.error.message);
    const reply = await handleGatewayCommand(db(), parsed.value);
    if (e.KASPI_GATEWAY_FORMAT === "xml") {
      return new Response(gatewayReplyXml(reply), {
        status: 200,
        headers: { "Content-Type": "application/xml; charset=utf-8", "Cache-Control": "no-store" },
      });
    }
    return json(reply);
  } catch (e) {
    return internalError("GET /api/kaspi/pay-gateway", e);
  }
}
