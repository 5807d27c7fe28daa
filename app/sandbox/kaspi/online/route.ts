// POST /sandbox/kaspi/online — the simulated Kaspi button (check/pay's shopper entry): JSON or a browser form.
import { handleSandboxOnline } from "@/lib/sandbox/online-route";

export function POST(request: Request): Promise<Response> {
  return handleSandboxOnline(request);
}
