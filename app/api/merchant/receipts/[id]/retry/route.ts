// POST /api/merchant/receipts/{id}/retry — sends a refused or held fiscal receipt again (admin).
import { db } from "@/lib/db";
import { retryReceipt } from "@/lib/fiscal/retry-receipt-use-case";
import { resultResponse } from "@/lib/http/responses";
import { merchantRoute } from "@/lib/merchant/route-guard";

export async function POST(request: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return merchantRoute(
    request,
    { name: "POST /api/merchant/receipts/{id}/retry", role: "admin", mutating: true },
    async (session) => {
      const { id } = await ctx.params;
      return resultResponse(await retryReceipt(db(), session.storeId, id, { email: session.email }));
    },
  );
}
