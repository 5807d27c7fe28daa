// POST /sandbox/store/notify — the demo store's stand-in for Bitrix's notification endpoint.
import { z } from "zod";
import { readRequest } from "@/lib/http/read-request";
import { errorResponse, json } from "@/lib/http/responses";
import { recordDemoNotification } from "@/lib/sandbox/demo-store";
import { sandboxRoute } from "@/lib/sandbox/http";

const notificationSchema = z.object({ event: z.string().min(1).max(50), externalId: z.string().min(1).max(200) });

export async function POST(request: Request): Promise<Response> {
  return sandboxRoute("POST /sandbox/store/notify", async () => {
    // Signed like every app → Bitrix notification (lib/bitrix-onprem/signature.ts).
    const n = await readRequest(request, { schema: notificationSchema, signed: true });
    if (!n.ok) return errorResponse(n.error);
    const { externalId, event } = n.value.value;
    await recordDemoNotification({ externalId, event, payload: n.value.raw });
    return json({ received: true });
  });
}
