// npm run stores:reencrypt
// The last step of rotating STORE_SECRETS_KEY (docs/stores.md, "Secrets at rest"): with the new key
// in STORE_SECRETS_KEY and the old one in STORE_SECRETS_KEY_PREVIOUS, encrypts every stored secret
// made with an old key again with the new one. Safe to run while the app serves, and to run again.
// Prints what it did; exits 1 when a secret opens with no configured key (it is left as it is), so
// the old key must not be dropped yet.
import "dotenv/config";

// The CLI only needs the database and the store keys; the app's other settings need not be valid here.
process.env.BITRIX_SHARED_SECRET ||= "store-cli-does-not-use-the-shared-secret";

const { db, disconnectDb } = await import("../lib/db");
const { env } = await import("../lib/env");
const { reencryptStoreSecrets } = await import("../lib/stores/reencrypt");

try {
  const keyring = env().storeSecrets;
  if (!keyring) {
    console.error("STORE_SECRETS_KEY is not set: there is no key to encrypt with");
    process.exitCode = 2;
  } else {
    const report = await reencryptStoreSecrets(db(), keyring);
    console.log(
      `re-encrypted ${report.reencrypted}, already on the current key ${report.current}, changed meanwhile ${report.skipped}, unreadable ${report.unreadable.length}`,
    );
    for (const u of report.unreadable) console.log(`  unreadable: store ${u.storeId}, ${u.field} (${u.reason})`);
    if (report.unreadable.length) {
      console.log("Keep STORE_SECRETS_KEY_PREVIOUS until these are entered again or the key that made them is found.");
      process.exitCode = 1;
    } else {
      console.log("Every stored secret is on the current key: STORE_SECRETS_KEY_PREVIOUS can be removed.");
    }
  }
} finally {
  await disconnectDb();
}
