// npm run store:update-onpremise -- --store <id> [--notify-url <url>] [--origin <origin>|--no-origin] [--new-secret] [--uninstall|--reactivate]
// Changes an on-premise store made with store:add-onpremise (docs/bitrix.md, "Several shops on one
// deployment"): where its notifications go, the origin that frames its checkout, a new shared
// secret (printed once; the old one stops verifying at once, so paste it into the handler's
// settings right away), or its status (uninstalled: its requests are refused and its
// notifications end; its payments stay).
import "dotenv/config";

// The CLI only needs the database and STORE_SECRETS_KEY; the app's other settings need not be valid here.
process.env.BITRIX_SHARED_SECRET ||= "store-cli-does-not-use-the-shared-secret";

const USAGE =
  "usage: npm run store:update-onpremise -- --store <id> [--notify-url <url>] [--origin <origin>|--no-origin] [--new-secret] [--uninstall|--reactivate]";

const args = process.argv.slice(2);
const valued = new Set(["--store", "--notify-url", "--origin"]);
const flags = new Set(["--no-origin", "--new-secret", "--uninstall", "--reactivate"]);
const option = (name: string): string | undefined => {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = args[at + 1];
  return value === undefined || value.startsWith("--") ? "" : value;
};
const unknown = args.filter(
  (a, i) => a.startsWith("--") && !valued.has(a) && !flags.has(a) && !valued.has(args[i - 1] ?? ""),
);
const storeId = option("--store");
const notifyUrl = option("--notify-url");
const origin = option("--origin");
const has = (flag: string) => args.includes(flag);
const changes = [notifyUrl, origin].filter((v) => v !== undefined).length + [...flags].filter(has).length;
if (
  unknown.length ||
  !storeId ||
  notifyUrl === "" ||
  origin === "" ||
  changes === 0 ||
  (origin !== undefined && has("--no-origin")) ||
  (has("--uninstall") && has("--reactivate"))
) {
  console.error(USAGE);
  process.exit(2);
}

const { db, disconnectDb } = await import("../lib/db");
const { env } = await import("../lib/env");
const { updateOnpremStore, OnpremStoreError } = await import("../lib/bitrix-onprem/onprem-stores");

try {
  const e = env();
  const { store, secret } = await updateOnpremStore(db(), e.storeSecrets, storeId, {
    ...(notifyUrl !== undefined ? { notifyUrl } : {}),
    ...(origin !== undefined ? { origin } : has("--no-origin") ? { origin: null } : {}),
    ...(has("--new-secret") ? { newSecret: true } : {}),
    ...(has("--uninstall")
      ? { status: "uninstalled" as const }
      : has("--reactivate")
        ? { status: "active" as const }
        : {}),
    allowLoopbackHttp: e.sandboxEnabled,
  });
  console.log(`On-premise store ${store.id} (${store.name}): ${store.status}.`);
  console.log(
    `Notifications go to ${store.notifyUrl}; ${store.domain ? `its checkout is framed by ${store.domain}` : "its checkout opens by its link"}.`,
  );
  if (secret) {
    console.log("");
    console.log("New shared secret (the old one no longer verifies): paste it into the handler's settings now:");
    console.log(`  Shared secret: ${secret}`);
  }
} catch (err) {
  console.error(err instanceof OnpremStoreError ? err.message : err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
} finally {
  await disconnectDb();
}
