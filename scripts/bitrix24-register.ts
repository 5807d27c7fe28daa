// npm run bitrix24:register -- --webhook https://<portal>/rest/<user>/<code>/ [--app-url https://pay.shop.kz] [--mode iframe|checkout] [--person-type 3 ...]
// Registers (or brings up to date) the Kaspi pay system on a Bitrix24 portal. Safe to re-run.
import "dotenv/config";
import { parseArgs } from "node:util";
import { checkoutKey } from "../lib/bitrix24/checkout-access";
import { BITRIX24_MODES, registerPaySystem, type Bitrix24Mode } from "../lib/bitrix24/register";
import { createBitrix24Client, normalizeWebhookUrl } from "../lib/bitrix24/rest-client";

const { values } = parseArgs({
  options: {
    webhook: { type: "string" },
    "app-url": { type: "string" },
    mode: { type: "string", default: "iframe" },
    "person-type": { type: "string", multiple: true },
    help: { type: "boolean", short: "h" },
  },
});

const usage =
  "usage: npm run bitrix24:register -- --webhook https://<portal>/rest/<user>/<code>/ [--app-url <APP_URL>] [--mode iframe|checkout] [--person-type <id> ...]";
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const webhook = values.webhook ?? process.env.BITRIX24_WEBHOOK_URL ?? "";
const appUrl = (values["app-url"] ?? process.env.APP_URL ?? "").replace(/\/+$/, "");
if (!normalizeWebhookUrl(webhook)) {
  console.error(`--webhook must be an inbound webhook URL like https://<portal>/rest/<user>/<code>/\n${usage}`);
  process.exit(2);
}
if (!/^https?:\/\/[^/\s]+/.test(appUrl)) {
  console.error(`--app-url (or APP_URL) must be the app's public URL, e.g. https://pay.shop.kz\n${usage}`);
  process.exit(2);
}

const mode = values.mode as Bitrix24Mode;
if (!BITRIX24_MODES.includes(mode)) {
  console.error(
    `--mode must be iframe (our page inside Bitrix24's payment step, the default) or checkout (a link to it)\n${usage}`,
  );
  process.exit(2);
}

// The ACTION_URI carries a key derived from the app's shared secret: the same secret as the app's.
const sharedSecret = process.env.BITRIX_SHARED_SECRET ?? "";
if (sharedSecret.length < 16) {
  console.error(
    "BITRIX_SHARED_SECRET must be set (the same value as on the app): the ACTION_URI's key derives from it",
  );
  process.exit(2);
}

const result = await registerPaySystem({
  mode,
  client: createBitrix24Client({ webhookUrl: webhook }),
  appUrl,
  checkoutKey: checkoutKey(sharedSecret),
  ...(values["person-type"]?.length ? { personTypeIds: values["person-type"] } : {}),
});
for (const line of result.actions) console.log(`[bitrix24] ${line}`);
if (!result.ok) {
  console.error(`[bitrix24] failed: ${result.error}`);
  process.exit(1);
}
console.log(
  [
    "",
    `  Kaspi pay system registered (handler ${result.handlerId}; pay systems ${result.paySystemIds.join(", ") || "none"}).`,
    "  Set on the app: BITRIX_CONNECTOR=bitrix24 and BITRIX24_WEBHOOK_URL=<this webhook>.",
    "",
  ].join("\n"),
);
