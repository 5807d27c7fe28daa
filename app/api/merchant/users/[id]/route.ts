// POST /api/merchant/users/{id} — { disabled: boolean } (admin). Disabling ends the user's
// sessions at once; an admin cannot disable themselves. A user of another store is "no such user".
import { db } from "@/lib/db";
import { readRequest } from "@/lib/http/read-request";
import { errorOf, errorResponse, json } from "@/lib/http/responses";
import { userDisabledBodySchema } from "@/lib/merchant/api-schemas";
import { merchantRoute } from "@/lib/merchant/route-guard";
import { setMerchantUserDisabled } from "@/lib/merchant/users";

const ROUTE = { name: "POST /api/merchant/users/{id}", role: "admin", mutating: true } as const;

export async function POST(request: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return merchantRoute(request, ROUTE, async (session) => {
    const input = await readRequest(request, { schema: userDisabledBodySchema });
    if (!input.ok) return errorResponse(input.error);
    const { disabled } = input.value.value;
    const { id } = await ctx.params;
    if (id === session.userId && disabled) return errorOf("CONFLICT", "you cannot disable yourself");
    const found = await setMerchantUserDisabled(db(), session.storeId, id, disabled);
    return found ? json({ id, disabled }) : errorOf("NOT_FOUND", "no such user");
  });
}
