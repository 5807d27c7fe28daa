// GET /api/merchant/users — the merchant users (admin).
// POST /api/merchant/users — { email, role } → creates the user (or resets an existing one's
// password) and answers the generated password once (admin).
import { db } from "@/lib/db";
import { readRequest } from "@/lib/http/read-request";
import { errorOf, errorResponse, json } from "@/lib/http/responses";
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
    const read = await readRequest(request, { schema: userBodySchema });
    if (!read.ok) return errorResponse(read.error);
    const input = read.value;
    if (!isPlausibleEmail(input.value.email)) return errorOf("VALIDATION_FAILED", "email: not an email address");
    const password = generatePassword();
    const outcome = await upsertMerchantUser(db(), { ...input.value, password });
    return json({ ...outcome, email: input.value.email.toLowerCase(), password }, outcome.created ? 201 : 200);
  });
}
