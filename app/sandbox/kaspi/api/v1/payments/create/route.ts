// POST /sandbox/kaspi/api/v1/payments/create — simulated Kaspi eCommerce: create a payment link.
import { handleSandboxCreate } from "@/lib/sandbox/create-route";

export function POST(request: Request): Promise<Response> {
  return handleSandboxCreate(request, "create");
}
