import { randomInt, randomUUID } from "node:crypto";
import type { Db } from "../db";
import { db as defaultDb, isUniqueViolation } from "../db";
import { env } from "../env";
import { paymentLinkFor, sandboxReadPayment } from "./sandbox-service";

// The simulated Kaspi QR merchant API: trade points, devices, QR and link payments, status and
// returns, answering in Kaspi's { StatusCode, Message, Data } envelope with its error codes.

export type Envelope = { StatusCode: number; Message: string; Data?: unknown };

const ok = (Data: unknown): Envelope => ({ StatusCode: 0, Message: "", Data });
const err = (StatusCode: number, Message: string): Envelope => ({ StatusCode, Message });

/** The demo device every sandbox starts with (KASPI_QR_DEVICE_TOKEN's sandbox default). */
export const SANDBOX_DEVICE_TOKEN = "sandbox-device-token";
export const SANDBOX_TRADE_POINTS = [
  { TradePointId: 1, TradePointName: "Sandbox store", enabled: true },
  { TradePointId: 2, TradePointName: "Closed kiosk (disabled)", enabled: false },
] as const;
/** Amounts ending in 77 are paid with a Kaspi Red loan offer in the sandbox (partial returns refused). */
const LOAN_SUFFIX = 77;

// Numbers at Kaspi; kept under 2^53 so JSON clients read them exactly.
const newQrPaymentId = () => `${randomInt(1, 9)}${String(Date.now() % 1e8).padStart(8, "0")}${randomInt(100, 999)}`;

export function sandboxTradePoints(): Envelope {
  return ok(SANDBOX_TRADE_POINTS.map(({ TradePointId, TradePointName }) => ({ TradePointId, TradePointName })));
}

export async function sandboxRegisterDevice(db: Db, body: Record<string, unknown>): Promise<Envelope> {
  const deviceId = typeof body.DeviceId === "string" ? body.DeviceId : "";
  const tradePointId = String(body.TradePointId ?? "");
  if (!deviceId) return err(-1501, "DeviceId is required");
  const point = SANDBOX_TRADE_POINTS.find((t) => String(t.TradePointId) === tradePointId);
  if (!point) return err(-99000002, "Trade point not found");
  if (!point.enabled) return err(990000018, "Trade point is disabled");
  const other = await db.sandboxQrDevice.findFirst({ where: { deviceId, NOT: { tradePointId } } });
  if (other) return err(-1503, "Device is already added to another trade point");
  const existing = await db.sandboxQrDevice.findFirst({ where: { deviceId, tradePointId } });
  if (existing) return ok({ DeviceToken: existing.deviceToken });
  const deviceToken = randomUUID();
  await db.sandboxQrDevice.create({ data: { deviceToken, deviceId, tradePointId } });
  return ok({ DeviceToken: deviceToken });
}

async function knownDevice(db: Db, token: unknown): Promise<boolean> {
  if (token === SANDBOX_DEVICE_TOKEN) return true;
  if (typeof token !== "string" || !token) return false;
  return (await db.sandboxQrDevice.findUnique({ where: { deviceToken: token } })) !== null;
}

export async function sandboxQrCreate(db: Db, body: Record<string, unknown>, kind: "qr" | "link"): Promise<Envelope> {
  if (!(await knownDevice(db, body.DeviceToken))) return err(-1501, "Device not found");
  const amount = body.Amount;
  const max = env().ORDER_MAX_AMOUNT;
  if (typeof amount !== "number" || !Number.isInteger(amount) || amount <= 0 || amount > max) {
    return err(990000028, "Wrong amount");
  }
  const externalId = typeof body.ExternalId === "string" && body.ExternalId ? body.ExternalId : randomUUID();
  const ttlMs = Math.min(env().PAYMENT_TTL_SECONDS * 1000, kind === "qr" ? 180_000 : 600_000);
  const loan = amount % 100 === LOAN_SUFFIX;
  let id: string;
  try {
    id = newQrPaymentId();
    await db.sandboxPayment.create({
      data: {
        id,
        externalId: `qr:${externalId}`,
        amount,
        currency: "KZT",
        status: "PENDING",
        protocol: "qr",
        presentation: kind,
        deviceToken: String(body.DeviceToken),
        ...(loan ? { loanOfferName: "Kaspi Red", loanTerm: 3 } : {}),
        expiresAt: new Date(Date.now() + ttlMs),
      },
    });
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    return err(-1, "A payment with this ExternalId exists");
  }
  const expireDate = new Date(Date.now() + ttlMs).toISOString();
  const methods = ["Gold", ...(loan ? [{ LoanOfferName: "Kaspi Red", LoanTerm: 3 }] : [])];
  const behavior = { StatusPollingInterval: 1, QrCodeScanWaitTimeout: ttlMs / 1000, PaymentConfirmationTimeout: 65 };
  const link = paymentLinkFor(id);
  return kind === "qr"
    ? ok({
        QrToken: link,
        ExpireDate: expireDate,
        QrPaymentId: Number(id),
        PaymentMethods: methods,
        QrPaymentBehaviorOptions: behavior,
      })
    : ok({
        PaymentLink: link,
        ExpireDate: expireDate,
        PaymentId: Number(id),
        PaymentMethods: methods,
        PaymentBehaviorOptions: behavior,
      });
}

const QR_STATUS = { COMPLETED: "Processed", FAILED: "Error", EXPIRED: "Error" } as const;

/** Kaspi's status of a QR payment; `override` is a faulted status (our vocabulary) for tests. */
export async function sandboxQrStatus(db: Db, id: string, override?: string | null): Promise<Envelope> {
  const p = await sandboxReadPayment(db, id);
  if (!p || p.protocol !== "qr") return err(-99000001, "Purchase not found");
  const status = override ?? p.status;
  const Status =
    status === "PENDING"
      ? p.scannedAt
        ? "Wait"
        : "QrTokenCreated"
      : (QR_STATUS[status as keyof typeof QR_STATUS] ?? "Error");
  return ok({
    Status,
    ...(Status === "Processed" ? { TransactionId: p.id } : {}),
    Amount: p.amount,
    ...(p.loanOfferName && Status !== "QrTokenCreated" ? { LoanOfferName: p.loanOfferName, LoanTerm: p.loanTerm } : {}),
  });
}

export async function sandboxQrReturn(db: Db, body: Record<string, unknown>): Promise<Envelope> {
  if (!(await knownDevice(db, body.DeviceToken))) return err(-1501, "Device not found");
  const p = await db.sandboxPayment.findUnique({ where: { id: String(body.QrPaymentId ?? "") } });
  if (!p || p.protocol !== "qr") return err(-99000001, "Purchase not found");
  if (p.deviceToken !== body.DeviceToken)
    return err(-99000003, "The purchase's trade point does not match this device");
  if (p.status !== "COMPLETED") return err(-99000011, "The purchase cannot be returned in its status");
  const amount = body.Amount;
  if (typeof amount !== "number" || amount <= 0) return err(990000028, "Wrong amount");
  const left = p.amount - p.refundedAmount;
  if (amount > left) return err(-99000005, "Return amount exceeds the purchase");
  if (p.loanOfferName && amount !== p.amount) return err(-99000020, "Partial return is not possible");
  const res = await db.sandboxPayment.updateMany({
    where: { id: p.id, refundedAmount: p.refundedAmount },
    data: { refundedAmount: p.refundedAmount + amount },
  });
  if (res.count !== 1) return err(-99000006, "Return failed, try again");
  return ok({ ReturnOperationId: Number(`${Date.now() % 1e9}${randomInt(10, 99)}`) });
}

/** The shopper opened the link / scanned the QR in the Kaspi app: Kaspi now says Wait. */
export async function sandboxQrScan(db: Db, id: string): Promise<void> {
  await db.sandboxPayment.updateMany({
    where: { id, protocol: "qr", status: "PENDING", scannedAt: null },
    data: { scannedAt: new Date() },
  });
}

/** The sandbox's Kaspi app page opened a payment (the scan), on the app's database. */
export function sandboxQrScanned(id: string): Promise<void> {
  return sandboxQrScan(defaultDb(), id);
}
