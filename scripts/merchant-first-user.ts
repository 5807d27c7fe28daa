// Run by `npm start` on the embedded default: when the database has no merchant user yet, make
// an admin with a generated password and print it (once: only its hash is stored).
import "dotenv/config";

process.env.BITRIX_SHARED_SECRET ||= "merchant-cli-does-not-use-the-shared-secret";
const { db, disconnectDb } = await import("../lib/db");
const { ensureFirstMerchantUser } = await import("../lib/merchant/users");

const created = await ensureFirstMerchantUser(db());
await disconnectDb();
if (created) {
  const appUrl = (process.env.APP_URL || `http://localhost:${process.env.PORT || 3000}`).replace(/\/+$/, "");
  console.log(
    [
      "",
      "  First merchant user (admin) created. Save the password now: it is shown only once.",
      `  Sign in:  ${appUrl}/merchant/login`,
      `  Email:    ${created.email}`,
      `  Password: ${created.password}`,
      "  More users: npm run merchant:add-user -- <email> [--role admin|viewer]",
      "",
    ].join("\n"),
  );
}
