// Kaspi QR set-up (docs/kaspi.md §2, Public QR API v3.9 §2.2): check the connection, list the
// merchant's trade points, register this app as a device, delete a device.
//   npm run kaspi:qr:setup -- ping
//   npm run kaspi:qr:setup -- tradepoints
//   npm run kaspi:qr:setup -- register <TradePointId> [DeviceId]
//   npm run kaspi:qr:setup -- delete [DeviceToken]        (default: KASPI_QR_DEVICE_TOKEN)
// Reads the same KASPI_QR_* settings as the app (.env); prints the DeviceToken to put in
// KASPI_QR_DEVICE_TOKEN. Never prints the Api-Key or certificate material.
import "dotenv/config";
import { hostname } from "node:os";
import { qrConnection } from "../lib/container";
import { qrErrorText } from "../lib/kaspi/qr-errors";
import { createQrSetup } from "../lib/kaspi/qr-gateway";
import { DEVICE_ID_PATTERN } from "../lib/kaspi/qr-schemas";

const connection = qrConnection();
const setup = createQrSetup(connection);

function fail(error: { message: string; code?: string }): never {
  const ru = error.code ? qrErrorText(Number(error.code), "ru") : undefined;
  console.error(`Kaspi refused: ${error.message}${ru ? ` — ${ru}` : ""}`);
  process.exit(1);
}

/** DeviceId is Latin letters, digits, - and _ only (v3.9 §2.2.3): a host name like "shop.kz" is cleaned. */
function defaultDeviceId(host = hostname()): string {
  return `kaspi-checkout-${host}`.replace(/[^A-Za-z0-9_-]+/g, "-").slice(0, 64);
}

const [command, arg1, arg2] = process.argv.slice(2);
console.log(`Kaspi QR ${connection.scheme} at ${connection.baseUrl}`);
if (command === "ping") {
  const res = await setup.ping();
  if (!res.ok) fail(res.error);
  console.log("  health/ping: OK");
} else if (command === "tradepoints") {
  const res = await setup.listTradePoints();
  if (!res.ok) fail(res.error);
  for (const t of res.value) console.log(`  TradePointId ${t.TradePointId}\t${t.TradePointName ?? ""}`);
} else if (command === "register" && arg1) {
  const deviceId = arg2 ?? defaultDeviceId();
  if (!DEVICE_ID_PATTERN.test(deviceId)) {
    console.error(`DeviceId "${deviceId}": only Latin letters, digits, - and _ (Kaspi's rule)`);
    process.exit(2);
  }
  const res = await setup.registerDevice({ deviceId, tradePointId: /^\d+$/.test(arg1) ? Number(arg1) : arg1 });
  if (!res.ok) fail(res.error);
  console.log(
    `Device "${deviceId}" registered. Put this in your configuration:\n  KASPI_QR_DEVICE_TOKEN=${res.value.DeviceToken}`,
  );
} else if (command === "delete" && (arg1 ?? process.env.KASPI_QR_DEVICE_TOKEN)) {
  const res = await setup.deleteDevice(arg1 ?? process.env.KASPI_QR_DEVICE_TOKEN ?? "");
  if (!res.ok) fail(res.error);
  console.log("  device/delete: OK — the token no longer works; register again to get a new one");
} else {
  console.log("usage: ping | tradepoints | register <TradePointId> [DeviceId] | delete [DeviceToken]");
  process.exit(2);
}
