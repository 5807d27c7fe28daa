// POST /sandbox/kaspi/api/v1/payments/qr — simulated Kaspi eCommerce: create a payment as a PNG QR.
import { handleSandboxCreate } from "@/lib/sandbox/create-route";

export function POST(request: Request): Promise<Response> {
  return handleSandboxCreate(request, "qr");
}
