// GET|POST /sandbox/kaspi/qr/{r1|r2|r3}/v01/… — the simulated Kaspi QR merchant API.
import { handleSandboxQrGet, handleSandboxQrPost } from "@/lib/sandbox/qr-route";

type Ctx = { params: Promise<{ scheme: string; path: string[] }> };

export function GET(request: Request, ctx: Ctx): Promise<Response> {
  return handleSandboxQrGet(request, ctx);
}

export function POST(request: Request, ctx: Ctx): Promise<Response> {
  return handleSandboxQrPost(request, ctx);
}
