// POST /sandbox/kaspi/test/payments/{paymentId}/confirm — the shopper confirms in the Kaspi app.
import { handleSandboxDecision } from "@/lib/sandbox/control-route";

export function POST(request: Request, ctx: { params: Promise<{ paymentId: string }> }): Promise<Response> {
  return handleSandboxDecision(request, ctx, "COMPLETED");
}
