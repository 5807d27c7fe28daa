// POST /sandbox/kaspi/checkpay/links — the sandbox's stand-in for the service's Kaspi payment link
// (account + amount), so its Kaspi app page can drive check/pay against the app.
import { z } from "zod";
import { db } from "@/lib/db";
import { readRequest } from "@/lib/http/read-request";
import { errorResponse, json } from "@/lib/http/responses";
import { sandboxCheckpayLink } from "@/lib/sandbox/checkpay-service";
import { SANDBOX_HEADERS, sandboxRoute } from "@/lib/sandbox/http";

const bodySchema = z.object({
  serviceId: z.string().min(1).max(100),
  account: z.string().min(1).max(100),
  amount: z.number().int().positive(),
  externalId: z.string().min(1).max(200),
});

export async function POST(request: Request): Promise<Response> {
  return sandboxRoute("POST /sandbox/kaspi/checkpay/links", async () => {
    const input = await readRequest(request, { schema: bodySchema });
    if (!input.ok) return errorResponse(input.error);
    return json(await sandboxCheckpayLink(db(), input.value.value), 200, SANDBOX_HEADERS);
  });
}
