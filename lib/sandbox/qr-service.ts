import { randomUUID } from "node:crypto";
import type { Db } from "../db";
import { db as defaultDb, isUniqueViolation } from "../db";
import { env } from "../env";
import { formatKaspiDate } from "../kaspi/qr-dates";
import { DEVICE_ID_PATTERN } from "../kaspi/qr-schemas";
import { deviceRefusal, err, newKaspiNumber, ok, SANDBOX_DEVICE_TOKEN, type Envelope } from "./qr-envelope";
import { isPayableAmount, pendingQrPayment } from "./qr-new-payment";
import { paymentLinkFor, sandboxReadPayment } from "./sandbox-service";

// The simulated Kaspi QR merchant API (Public QR API v3.9, docs/kaspi.md §1–§5): trade points,
// devices, QR and link payments and their status, in Kaspi's { StatusCode, Message, Data }
// envelope with its error codes. Returns (r2, r3): qr-returns-service.ts; remote invoices (r3):
// qr-remote-service.ts; Kaspi's test endpoints: qr-test-service.ts.

export { SANDBOX_DEVICE_TOKEN, type Envelope } from "./qr-envelope";

export const SANDBOX_TRADE_POINTS = [
  { TradePointId: 1, TradePointName: "Sandbox store", enabled: true },
  { TradePointId: 2, TradePointName: "Closed kiosk (disabled)", enabled: false },
] as const;
/** Amounts ending in 77 are paid with a Kaspi Red loan offer in the sandbox (partial returns refused). */
const LOAN_SUFFIX = 77;

/** The document's example behaviour options, in seconds (docs/kaspi.md §3, v3.9 §2.3). */
export const SANDBOX_BEHAVIOR = {
  StatusPollingInterval: 5,
  QrCodeScanWaitTimeout: 180,
  LinkActivationWaitTimeout: 180,
  PaymentConfirmationTimeout: 65,
} as const;

export function sandboxTradePoints(): Envelope {
  return ok(SANDBOX_TRADE_POINTS.map(({ TradePointId, TradePointName }) => ({ TradePointId, TradePointName })));
}

export async function sandboxRegisterDevice(db: Db, body: Record<string, unknown>): Promise<Envelope> {
  const deviceId = typeof body.DeviceId === "string" ? body.DeviceId : "";
  const tradePointId = String(body.TradePointId ?? "");
  // v3.9 §2.2.3: DeviceId is Latin letters, digits, - and _. The document names no code for a
  // malformed one [?]: the sandbox refuses with -1 and says why.
  if (!DEVICE_ID_PATTERN.test(deviceId)) return err(-1, "DeviceId: only Latin letters, digits, - and _");
  const point = SANDBOX_TRADE_POINTS.find((t) => String(t.TradePointId) === tradePointId);
  if (!point) return err(-99000002, "Trade point not found");
  if (!point.enabled) return err(990000018, "Trade point is disabled");
  const other = await db.sandboxQrDevice.findFirst({ where: { deviceId, deletedAt: null, NOT: { tradePointId } } });
  if (other) return err(-1503, "Device is already added to another trade point");
  // Same arguments → same DeviceToken (v3.9 §2.2.3); a deleted device registers afresh.
  const existing = await db.sandboxQrDevice.findFirst({ where: { deviceId, tradePointId, deletedAt: null } });
  if (existing) return ok({ DeviceToken: existing.deviceToken });
  await db.sandboxQrDevice.deleteMany({ where: { deviceId, tradePointId } });
  const deviceToken = randomUUID();
  await db.sandboxQrDevice.create({ data: { deviceToken, deviceId, tradePointId } });
  return ok({ DeviceToken: deviceToken });
}

/** device/delete (v3.9 §2.2.4): the token answers -1502 from then on. */
export async function sandboxDeleteDevice(db: Db, body: Record<string, unknown>): Promise<Envelope> {
  const refused = await deviceRefusal(db, body.DeviceToken);
  if (refused) return refused;
  if (body.DeviceToken === SANDBOX_DEVICE_TOKEN) return err(-1, "The sandbox's demo device cannot be deleted");
  await db.sandboxQrDevice.update({
    where: { deviceToken: String(body.DeviceToken) },
    data: { deletedAt: new Date() },
  });
  return ok();
}

export async function sandboxQrCreate(db: Db, body: Record<string, unknown>, kind: "qr" | "link"): Promise<Envelope> {
  const refused = await deviceRefusal(db, body.DeviceToken);
  if (refused) return refused;
  const amount = body.Amount;
  if (!isPayableAmount(amount)) return err(990000028, "Wrong amount");
  const externalId = typeof body.ExternalId === "string" && body.ExternalId ? body.ExternalId : randomUUID();
  const wait = kind === "qr" ? SANDBOX_BEHAVIOR.QrCodeScanWaitTimeout : SANDBOX_BEHAVIOR.LinkActivationWaitTimeout;
  // Payable while the scan window lasts, plus the confirmation time of a scan at its last second.
  const ttlMs = Math.min(env().PAYMENT_TTL_SECONDS, wait + SANDBOX_BEHAVIOR.PaymentConfirmationTimeout) * 1000;
  const loan = amount % 100 === LOAN_SUFFIX;
  const id = newKaspiNumber();
  try {
    await db.sandboxPayment.create({
      data: {
        ...pendingQrPayment(id, amount, body.DeviceToken),
        externalId: `qr:${externalId}`,
        presentation: kind,
        ...(loan ? { loanOfferName: "Kaspi Red", loanTerm: 3 } : {}),
        expiresAt: new Date(Date.now() + ttlMs),
      },
    });
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    return err(-1, "A payment with this ExternalId exists");
  }
  const scanUntil = new Date(Date.now() + wait * 1000);
  const methods = ["Gold", ...(loan ? [{ LoanOfferName: "Kaspi Red", LoanTerm: 3 }] : [])];
  const link = paymentLinkFor(id);
  // Dates in both documented forms: `+05:00` with 7 fraction digits, and the declared `+05` (v3.9 §2.1).
  return kind === "qr"
    ? ok({
        QrToken: link,
        ExpireDate: formatKaspiDate(scanUntil, "long"),
        QrPaymentId: Number(id),
        PaymentMethods: methods,
        QrPaymentBehaviorOptions: {
          StatusPollingInterval: SANDBOX_BEHAVIOR.StatusPollingInterval,
          QrCodeScanWaitTimeout: SANDBOX_BEHAVIOR.QrCodeScanWaitTimeout,
          PaymentConfirmationTimeout: SANDBOX_BEHAVIOR.PaymentConfirmationTimeout,
        },
      })
    : ok({
        PaymentLink: link,
        ExpireDate: formatKaspiDate(scanUntil, "short"),
        PaymentId: Number(id),
        PaymentMethods: methods,
        PaymentBehaviorOptions: {
          StatusPollingInterval: SANDBOX_BEHAVIOR.StatusPollingInterval,
          LinkActivationWaitTimeout: SANDBOX_BEHAVIOR.LinkActivationWaitTimeout,
          PaymentConfirmationTimeout: SANDBOX_BEHAVIOR.PaymentConfirmationTimeout,
        },
      });
}

const QR_STATUS = { COMPLETED: "Processed", FAILED: "Error", EXPIRED: "Error" } as const;

/**
 * payment/status, v01: `Status` only (docs/kaspi.md §2, v3.9 §2.4). `override` is a faulted status
 * (our vocabulary) for tests. Past Kaspi's own deadlines (docs/kaspi.md §3) the payment says Error:
 * not scanned within the scan/link window, or not confirmed within PaymentConfirmationTimeout.
 */
export async function sandboxQrStatus(db: Db, id: string, override?: string | null): Promise<Envelope> {
  const p = await sandboxReadPayment(db, id);
  if (!p || p.protocol !== "qr") return err(-99000001, "Purchase not found");
  const status = override ?? p.status;
  if (status !== "PENDING") return ok({ Status: QR_STATUS[status as keyof typeof QR_STATUS] ?? "Error" });
  const now = Date.now();
  if (p.presentation !== "remote") {
    const wait =
      p.presentation === "link" ? SANDBOX_BEHAVIOR.LinkActivationWaitTimeout : SANDBOX_BEHAVIOR.QrCodeScanWaitTimeout;
    const scanOver = !p.scannedAt && now > p.createdAt.getTime() + wait * 1000;
    const confirmOver = p.scannedAt && now > p.scannedAt.getTime() + SANDBOX_BEHAVIOR.PaymentConfirmationTimeout * 1000;
    if (scanOver || confirmOver) return ok({ Status: "Error" });
  }
  return ok({ Status: p.scannedAt ? "Wait" : "QrTokenCreated" });
}

/** The shopper opened the link / scanned the QR in the Kaspi app: Kaspi now says Wait. */
export async function sandboxQrScan(db: Db, id: string): Promise<number> {
  const res = await db.sandboxPayment.updateMany({
    where: { id, protocol: "qr", status: "PENDING", scannedAt: null },
    data: { scannedAt: new Date() },
  });
  return res.count;
}

/** The sandbox's Kaspi app page opened a payment (the scan), on the app's database. */
export function sandboxQrScanned(id: string): Promise<number> {
  return sandboxQrScan(defaultDb(), id);
}
