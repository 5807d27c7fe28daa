// POST /api/merchant/users/{id} — { disabled: boolean } (admin). Disabling ends the user's
// sessions at once; an admin cannot disable themselves.
import { db } from "@/lib/db";
import { errorOf, errorResponse, json, parseWith, readJsonBody } from "@/lib/http/responses";
import { userDisabledBodySchema } from "@/lib/merchant/api-schemas";
import { merchantRoute } from "@/lib/merchant/route-guard";
import { setMerchantUserDisabled } from "@/lib/merchant/users";

export async function POST(request: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return merchantRoute(
    request,
    { name: "POST /api/merchant/users/{id}", role: "admin", mutating: true },
    async (session) => {
      const { id } = await ctx.params;
      const body = await readJsonBody(request);
      if (!body.ok) return errorResponse(body.error);
      const input = parseWith(userDisabledBodySchema, body.value.json);
      if (!input.ok) return errorResponse(input.error);
      if (id === session.userId && input.value.disabled) return errorOf("CONFLICT", "you cannot disable yourself");
      const found = await setMerchantUserDisabled(db(), id, input.value.disabled);
      return found ? json({ id, disabled: input.value.disabled }) : errorOf("NOT_FOUND", "no such user");
    },
  );
}
