// Kaspi QR set-up: list the merchant's trade points and register this app as a device.
//   npx tsx scripts/kaspi-qr-setup.ts tradepoints
//   npx tsx scripts/kaspi-qr-setup.ts register <TradePointId> [DeviceId]
// Reads the same KASPI_QR_* settings as the app (.env); prints the DeviceToken to put in
// KASPI_QR_DEVICE_TOKEN. Never prints the Api-Key or certificate material.
import "dotenv/config";
import { hostname } from "node:os";
import { qrConnection } from "../lib/container";
import { qrErrorText } from "../lib/kaspi/qr-errors";
import { createQrSetup } from "../lib/kaspi/qr-gateway";

const connection = qrConnection();
const setup = createQrSetup(connection);

function fail(error: { message: string; code?: string }): never {
  const ru = error.code ? qrErrorText(Number(error.code), "ru") : undefined;
  console.error(`Kaspi refused: ${error.message}${ru ? ` — ${ru}` : ""}`);
  process.exit(1);
}

const [command, arg1, arg2] = process.argv.slice(2);
console.log(`Kaspi QR ${connection.scheme} at ${connection.baseUrl}`);
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
