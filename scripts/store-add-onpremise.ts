// npm run store:add-onpremise -- --name "<shop>" --notify-url https://shop.kz/bitrix/tools/sale_ps_result.php?kaspi_checkout=Y [--origin https://shop.kz]
// Adds an on-premise 1C-Bitrix site as a store of this deployment (docs/bitrix.md, "Several shops on
// one deployment"): a generated store id and shared secret, printed once for the merchant to paste
// into the handler's settings ("Store id", "Shared secret"). The secret is kept encrypted with
// STORE_SECRETS_KEY (refused without it). The store starts in test mode with the eCommerce
// contract (the built-in sandbox); its Kaspi contract is set like any store's (docs/stores.md).
import "dotenv/config";

// The CLI only needs the database and STORE_SECRETS_KEY; the app's other settings need not be valid here.
process.env.BITRIX_SHARED_SECRET ||= "store-cli-does-not-use-the-shared-secret";

const USAGE =
  'usage: npm run store:add-onpremise -- --name "<shop>" --notify-url https://<shop>/bitrix/tools/sale_ps_result.php?kaspi_checkout=Y [--origin https://<shop>]';

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const value = args[at + 1];
  return value === undefined || value.startsWith("--") ? "" : value;
}

const args = process.argv.slice(2);
const known = new Set(["--name", "--notify-url", "--origin"]);
const unknown = args.filter((a, i) => a.startsWith("--") && !known.has(a) && !known.has(args[i - 1] ?? ""));
const name = option(args, "--name");
const notifyUrl = option(args, "--notify-url");
const origin = option(args, "--origin");
if (unknown.length || !name || !notifyUrl || origin === "") {
  console.error(USAGE);
  process.exit(2);
}

const { db, disconnectDb } = await import("../lib/db");
const { env } = await import("../lib/env");
const { createOnpremStore, OnpremStoreError } = await import("../lib/bitrix-onprem/onprem-stores");

try {
  const e = env();
  const { store, secret } = await createOnpremStore(db(), e.storeSecrets, {
    name,
    notifyUrl,
    ...(origin ? { origin } : {}),
    allowLoopbackHttp: e.sandboxEnabled,
  });
  console.log(`Created on-premise store ${store.id} (${store.name}), test mode, Kaspi eCommerce (sandbox).`);
  console.log(
    `Notifications go to ${store.notifyUrl}${store.domain ? `; its checkout is framed by ${store.domain}` : ""}.`,
  );
  console.log("");
  console.log("Paste into the Kaspi Pay handler's settings in this site's Bitrix admin:");
  console.log(`  Store id:      ${store.id}`);
  console.log(`  Shared secret: ${secret}`);
  console.log("");
  console.log("The secret is shown only now; it is stored encrypted and cannot be read back.");
} catch (err) {
  console.error(err instanceof OnpremStoreError ? err.message : err instanceof Error ? err.message : String(err));
  process.exitCode = 1;
} finally {
  await disconnectDb();
}
