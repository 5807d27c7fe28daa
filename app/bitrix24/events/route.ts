// POST /bitrix24/events — the portal's event calls for the Bitrix24 OAuth app (ONAPPUNINSTALL is
// the one bound at install): lib/bitrix24/events-use-case.ts. Every refusal is the same 401: the
// portal does not retry events (bitrix24/b24restdocs api-reference/events/index.md), so the answer
// only tells a caller without the application token that it was not believed.
import { z } from "zod";
import { handleBitrix24Event } from "@/lib/bitrix24/events-use-case";
import { bitrix24AppDeps } from "@/lib/container";
import { readRequest } from "@/lib/http/read-request";
import { errorOf, internalError, json } from "@/lib/http/responses";
import { requestLog } from "@/lib/log";

export async function POST(request: Request): Promise<Response> {
  try {
    const deps = bitrix24AppDeps();
    if (!deps) return errorOf("NOT_FOUND", "not found");
    const input = await readRequest(request, { schema: z.unknown(), format: "form" });
    const outcome = input.ok
      ? await handleBitrix24Event(deps, input.value.raw)
      : { ok: false as const, reason: `unreadable body: ${input.error.message}` };
    if (outcome.ok) return json({ result: outcome.handled });
    requestLog(request, "POST /bitrix24/events").warn({ reason: outcome.reason }, "event refused");
    return errorOf("UNAUTHORIZED", "the event could not be confirmed");
  } catch (e) {
    return internalError("POST /bitrix24/events", e);
  }
}
