import { randomInt } from "node:crypto";
import type { Db } from "../db";

// Shared by the simulated Kaspi QR API's services: the { StatusCode, Message, Data } envelope
// (docs/kaspi.md §5, v3.9 §2.1: Message "OK" on success) and the device check (codes -1501/-1502).

export type Envelope = { StatusCode: number; Message: string; Data?: unknown };

export const ok = (Data?: unknown): Envelope =>
  Data === undefined ? { StatusCode: 0, Message: "OK" } : { StatusCode: 0, Message: "OK", Data };
export const err = (StatusCode: number, Message: string): Envelope => ({ StatusCode, Message });

/** The demo device every sandbox starts with (KASPI_QR_DEVICE_TOKEN's sandbox default). */
export const SANDBOX_DEVICE_TOKEN = "sandbox-device-token";

// Numbers at Kaspi; kept under 2^53 so JSON clients read them exactly.
export const newKaspiNumber = () =>
  `${randomInt(1, 9)}${String(Date.now() % 1e8).padStart(8, "0")}${randomInt(100, 999)}`;

/** null when the device may act; otherwise Kaspi's refusal (-1501 not found, -1502 deleted). */
export async function deviceRefusal(db: Db, token: unknown): Promise<Envelope | null> {
  if (token === SANDBOX_DEVICE_TOKEN) return null;
  if (typeof token !== "string" || !token) return err(-1501, "Device not found");
  const device = await db.sandboxQrDevice.findUnique({ where: { deviceToken: token } });
  if (!device) return err(-1501, "Device not found");
  return device.deletedAt ? err(-1502, "Device is not active (disabled or deleted)") : null;
}

/** The trade point a device belongs to ("1" for the demo device): refunds stay inside it (v3.9 §3). */
export async function tradePointOf(db: Db, token: string): Promise<string> {
  if (token === SANDBOX_DEVICE_TOKEN) return "1";
  return (await db.sandboxQrDevice.findUnique({ where: { deviceToken: token } }))?.tradePointId ?? "";
}
