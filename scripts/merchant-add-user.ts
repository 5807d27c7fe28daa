// npm run merchant:add-user -- <email> [--role admin|viewer] [--store <id>]
// Creates a merchant user of a store ("default" unless --store says another), or sets a new
// password for an existing user of that store, asking for the password on the terminal (not
// echoed), or reading it from the first line of stdin when piped. The user sees only that store.
import "dotenv/config";
import { createInterface } from "node:readline";
import { Writable } from "node:stream";

// The CLI only needs the database; the app's other settings need not be valid here.
process.env.BITRIX_SHARED_SECRET ||= "merchant-cli-does-not-use-the-shared-secret";

const args = process.argv.slice(2);
const roleAt = args.indexOf("--role");
const role = roleAt >= 0 ? args[roleAt + 1] : undefined;
const storeAt = args.indexOf("--store");
const store = storeAt >= 0 ? args[storeAt + 1] : "default";
const optionValues = new Set([roleAt, storeAt].filter((i) => i >= 0).map((i) => i + 1));
const email = args.find((a, i) => !a.startsWith("--") && !optionValues.has(i));

if (!email || (role !== undefined && role !== "admin" && role !== "viewer") || !store || store.startsWith("--")) {
  console.error(
    "usage: npm run merchant:add-user -- <email> [--role admin|viewer] [--store <id>]" +
      "   (new users: viewer unless --role admin; store: default unless --store)",
  );
  process.exit(2);
}

async function ask(question: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const rl = createInterface({ input: process.stdin });
    for await (const line of rl) {
      rl.close();
      return line;
    }
    return "";
  }
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (!muted) process.stdout.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      process.stdout.write("\n");
      resolve(answer);
    });
    muted = true;
  });
}

const { db, disconnectDb } = await import("../lib/db");
const { upsertMerchantUser } = await import("../lib/merchant/users");
const { MIN_PASSWORD_LENGTH } = await import("../lib/merchant/password");

const password = await ask(`Password for ${email} (at least ${MIN_PASSWORD_LENGTH} characters): `);
if (process.stdin.isTTY) {
  const again = await ask("Repeat the password: ");
  if (again !== password) {
    console.error("The passwords differ; nothing changed.");
    process.exit(1);
  }
}
try {
  // The default store is the environment's and needs no row; any other must exist.
  if (store !== "default" && !(await db().store.findUnique({ where: { id: store } }))) {
    throw new Error(`no store ${store}`);
  }
  const outcome = await upsertMerchantUser(db(), { email, password, role, storeId: store });
  console.log(
    outcome.created
      ? `Created ${role ?? "viewer"} ${email.toLowerCase()} of store ${store}.`
      : `Updated ${email.toLowerCase()}: new password${role ? `, role ${role}` : ""}; its sessions were signed out.`,
  );
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
} finally {
  await disconnectDb();
}
