import { env } from "../env";

// What the simulated Kaspi QR API checks and writes for every new payment, QR, link or remote
// invoice alike.

/** A whole number of tenge within the store's limit; anything else Kaspi answers with 990000028 "Wrong amount". */
export function isPayableAmount(amount: unknown): amount is number {
  return typeof amount === "number" && Number.isInteger(amount) && amount > 0 && amount <= env().ORDER_MAX_AMOUNT;
}

/** The columns every new payment starts with: pending, in tenge, made by the asking device. */
export function pendingQrPayment(id: string, amount: number, deviceToken: unknown) {
  return { id, amount, currency: "KZT", status: "PENDING", protocol: "qr", deviceToken: String(deviceToken) };
}
