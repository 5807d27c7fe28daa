// GET /api/merchant/payments/export — the filtered list as CSV (streamed, UTF-8 with BOM);
// ?delimiter=semicolon for Excel with a Russian locale.
import { db } from "@/lib/db";
import { paymentsCsvStream } from "@/lib/merchant/csv-export";
import { parseFilters } from "@/lib/merchant/payment-filters";
import { merchantRoute } from "@/lib/merchant/route-guard";
import { almatyDay } from "@/lib/merchant/almaty-time";

export async function GET(request: Request): Promise<Response> {
  return merchantRoute(request, { name: "GET /api/merchant/payments/export" }, async (session) => {
    const params = new URL(request.url).searchParams;
    const delimiter = params.get("delimiter") === "semicolon" ? ";" : ",";
    const stream = paymentsCsvStream(db(), session.storeId, parseFilters(params), delimiter);
    return new Response(stream, {
      headers: {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": `attachment; filename="kaspi-payments-${almatyDay(new Date())}.csv"`,
        "Cache-Control": "no-store",
      },
    });
  });
}
