// GET /api/merchant/users — the merchant users of the admin's store (admin).
// POST /api/merchant/users — { email, role } → creates a user of the admin's store (or resets the
// password of one of its users) and answers the generated password once (admin). An e-mail that is
// a user of another store answers 409 and changes nothing.
import { db } from "@/lib/db";
import { readRequest } from "@/lib/http/read-request";
import { errorOf, errorResponse, json } from "@/lib/http/responses";
import { generatePassword } from "@/lib/merchant/password";
import { userBodySchema } from "@/lib/merchant/api-schemas";
import { merchantRoute } from "@/lib/merchant/route-guard";
import {
  EmailOfAnotherStoreError,
  isPlausibleEmail,
  listMerchantUsers,
  upsertMerchantUser,
} from "@/lib/merchant/users";

export async function GET(request: Request): Promise<Response> {
  return merchantRoute(request, { name: "GET /api/merchant/users", role: "admin" }, async (session) =>
    json({ users: await listMerchantUsers(db(), session.storeId) }),
  );
}

export async function POST(request: Request): Promise<Response> {
  return merchantRoute(
    request,
    { name: "POST /api/merchant/users", role: "admin", mutating: true },
    async (session) => {
      const read = await readRequest(request, { schema: userBodySchema });
      if (!read.ok) return errorResponse(read.error);
      const input = read.value;
      if (!isPlausibleEmail(input.value.email)) return errorOf("VALIDATION_FAILED", "email: not an email address");
      const password = generatePassword();
      let outcome;
      try {
        outcome = await upsertMerchantUser(db(), { ...input.value, password, storeId: session.storeId });
      } catch (e) {
        if (e instanceof EmailOfAnotherStoreError) return errorOf("CONFLICT", "this e-mail is already taken");
        throw e;
      }
      return json({ ...outcome, email: input.value.email.toLowerCase(), password }, outcome.created ? 201 : 200);
    },
  );
}
