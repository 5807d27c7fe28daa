// GET /api/merchant/payments — one page of the filtered list (same URL filters as the page) and
// the totals of the whole filtered set.
import { db } from "@/lib/db";
import { json } from "@/lib/http/responses";
import { parseFilters } from "@/lib/merchant/payment-filters";
import { paymentsView } from "@/lib/merchant/payments-query";
import { merchantRoute } from "@/lib/merchant/route-guard";

export async function GET(request: Request): Promise<Response> {
  return merchantRoute(request, { name: "GET /api/merchant/payments" }, async (session) => {
    const filters = parseFilters(new URL(request.url).searchParams);
    const { page, totals } = await paymentsView(db(), session.storeId, filters);
    return json({
      payments: page.rows.map((r) => ({
        id: r.id,
        createdAt: r.createdAt.toISOString(),
        amount: r.amount,
        refundedAmount: r.refundedAmount,
        status: r.status,
        attempt: r.attempt,
        kaspiPaymentId: r.kaspiPaymentId,
        paidAt: r.paidAt?.toISOString() ?? null,
        order: r.order,
      })),
      nextCursor: page.nextCursor,
      totals,
    });
  });
}
