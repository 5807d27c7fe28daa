// GET /api/merchant/return-qrs/{id} — a Kaspi QR r2 return QR and whether the customer scanned it
// (return/status, asked at most once per Kaspi's interval). Admin: it leads to a refund.
import { storeKaspiDeps } from "@/lib/container";
import { errorResponse, json } from "@/lib/http/responses";
import { merchantRoute } from "@/lib/merchant/route-guard";
import { readReturnQr } from "@/lib/payments/return-qr-use-case";

export async function GET(request: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return merchantRoute(request, { name: "GET /api/merchant/return-qrs/{id}", role: "admin" }, async (session) => {
    const { id } = await ctx.params;
    const result = await readReturnQr(await storeKaspiDeps(session.storeId), id);
    return result.ok ? json(result.value) : errorResponse(result.error);
  });
}
