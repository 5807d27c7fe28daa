// GET /api/merchant/users — the merchant users (admin).
// POST /api/merchant/users — { email, role } → creates the user (or resets an existing one's
// password) and answers the generated password once (admin).
import { db } from "@/lib/db";
import { errorOf, errorResponse, json, parseWith, readJsonBody } from "@/lib/http/responses";
import { generatePassword } from "@/lib/merchant/password";
import { userBodySchema } from "@/lib/merchant/api-schemas";
import { merchantRoute } from "@/lib/merchant/route-guard";
import { isPlausibleEmail, listMerchantUsers, upsertMerchantUser } from "@/lib/merchant/users";

export async function GET(request: Request): Promise<Response> {
  return merchantRoute(request, { name: "GET /api/merchant/users", role: "admin" }, async () =>
    json({ users: await listMerchantUsers(db()) }),
  );
}

export async function POST(request: Request): Promise<Response> {
  return merchantRoute(request, { name: "POST /api/merchant/users", role: "admin", mutating: true }, async () => {
    const body = await readJsonBody(request);
    if (!body.ok) return errorResponse(body.error);
    const input = parseWith(userBodySchema, body.value.json);
    if (!input.ok) return errorResponse(input.error);
    if (!isPlausibleEmail(input.value.email)) return errorOf("VALIDATION_FAILED", "email: not an email address");
    const password = generatePassword();
    const outcome = await upsertMerchantUser(db(), { ...input.value, password });
    return json({ ...outcome, email: input.value.email.toLowerCase(), password }, outcome.created ? 201 : 200);
  });
}
