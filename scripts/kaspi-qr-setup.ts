// Kaspi QR set-up: list the merchant's trade points and register this app as a device.
//   npx tsx scripts/kaspi-qr-setup.ts tradepoints
//   npx tsx scripts/kaspi-qr-setup.ts register <TradePointId> [DeviceId]
// Reads the same KASPI_QR_* settings as the app (.env); prints the DeviceToken to put in
// KASPI_QR_DEVICE_TOKEN. Never prints the Api-Key or certificate material.
import "dotenv/config";
import { hostname } from "node:os";
import { env } from "../lib/env";
import { qrErrorText } from "../lib/kaspi/qr-errors";
import { createQrSetup } from "../lib/kaspi/qr-gateway";
import { createQrTlsAgent } from "../lib/kaspi/qr-transport";

const e = env();
const mtls = e.KASPI_QR_SCHEME !== "r1";
const setup = createQrSetup({
  baseUrl: e.kaspiQrBaseUrl,
  scheme: e.KASPI_QR_SCHEME,
  ...(e.KASPI_QR_API_KEY ? { apiKey: e.KASPI_QR_API_KEY } : { apiKey: "sandbox" }),
  ...(e.KASPI_QR_ORGANIZATION_BIN ? { organizationBin: e.KASPI_QR_ORGANIZATION_BIN } : {}),
  ...(mtls
    ? {
        dispatcher: createQrTlsAgent({
          ...(e.KASPI_QR_CERT_FILE ? { certFile: e.KASPI_QR_CERT_FILE } : {}),
          ...(e.KASPI_QR_KEY_FILE ? { keyFile: e.KASPI_QR_KEY_FILE } : {}),
          ...(e.KASPI_QR_PFX_FILE ? { pfxFile: e.KASPI_QR_PFX_FILE } : {}),
          ...(e.KASPI_QR_CERT_PASSPHRASE ? { passphrase: e.KASPI_QR_CERT_PASSPHRASE } : {}),
          ...(e.KASPI_QR_CA_FILE ? { caFile: e.KASPI_QR_CA_FILE } : {}),
        }),
      }
    : {}),
  timeoutMs: e.KASPI_TIMEOUT_MS,
});

function fail(error: { message: string; code?: string }): never {
  const ru = error.code ? qrErrorText(Number(error.code), "ru") : undefined;
  console.error(`Kaspi refused: ${error.message}${ru ? ` — ${ru}` : ""}`);
  process.exit(1);
}

const [command, arg1, arg2] = process.argv.slice(2);
console.log(`Kaspi QR ${e.KASPI_QR_SCHEME} at ${e.kaspiQrBaseUrl}`);
if (command === "tradepoints") {
  const res = await setup.listTradePoints();
  if (!res.ok) fail(res.error);
  for (const t of res.value) console.log(`  TradePointId ${t.TradePointId}\t${t.TradePointName ?? ""}`);
} else if (command === "register" && arg1) {
  const deviceId = arg2 ?? `kaspi-checkout-${hostname()}`;
  const res = await setup.registerDevice({ deviceId, tradePointId: /^\d+$/.test(arg1) ? Number(arg1) : arg1 });
  if (!res.ok) fail(res.error);
  console.log(
    `Device "${deviceId}" registered. Put this in your configuration:\n  KASPI_QR_DEVICE_TOKEN=${res.value.DeviceToken}`,
  );
} else {
  console.log("usage: tradepoints | register <TradePointId> [DeviceId]");
  process.exit(2);
}
