// POST /sandbox/store/notify — the demo store's stand-in for Bitrix's notification endpoint.
import { z } from "zod";
import { verifyBitrixRequest } from "@/lib/bitrix-onprem/verify-request";
import { db } from "@/lib/db";
import { errorResponse, internalError, json, parseWith, readJsonBody } from "@/lib/http/responses";
import { newId } from "@/lib/ids";
import { sandboxDisabled } from "@/lib/sandbox/http";

const notificationSchema = z.object({ event: z.string().min(1).max(50), externalId: z.string().min(1).max(200) });

export async function POST(request: Request): Promise<Response> {
  try {
    const blocked = sandboxDisabled();
    if (blocked) return blocked;
    const body = await readJsonBody(request);
    if (!body.ok) return errorResponse(body.error);
    const signed = await verifyBitrixRequest(request, body.value.raw);
    if (!signed.ok) return errorResponse(signed.error);
    const n = parseWith(notificationSchema, body.value.json);
    if (!n.ok) return errorResponse(n.error);
    await db().sandboxNotification.create({
      data: { id: newId("ntf"), externalId: n.value.externalId, event: n.value.event, payload: body.value.raw },
    });
    return json({ received: true });
  } catch (e) {
    return internalError("POST /sandbox/store/notify", e);
  }
}
