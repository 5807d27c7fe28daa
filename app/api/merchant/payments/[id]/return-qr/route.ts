// POST /api/merchant/payments/{id}/return-qr — Kaspi QR r2: make a return QR for the customer to
// scan before a refund (admin). 201 { id, qrToken, status, … }; 409 REFUND_UNSUPPORTED elsewhere.
import { storeKaspiDeps } from "@/lib/container";
import { errorResponse, json } from "@/lib/http/responses";
import { merchantRoute } from "@/lib/merchant/route-guard";
import { startReturnQr } from "@/lib/payments/return-qr-use-case";

export async function POST(request: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return merchantRoute(
    request,
    { name: "POST /api/merchant/payments/{id}/return-qr", role: "admin", mutating: true },
    async (session) => {
      const { id } = await ctx.params;
      const result = await startReturnQr(
        await storeKaspiDeps(session.storeId),
        { paymentId: id, actor: { userId: session.userId, email: session.email } },
      );
      return result.ok ? json(result.value, 201) : errorResponse(result.error);
    },
  );
}
