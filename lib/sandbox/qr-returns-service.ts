import { randomInt } from "node:crypto";
import type { Db } from "../db";
import { env } from "../env";
import { formatKaspiDate } from "../kaspi/qr-dates";
import { deviceRefusal, err, newKaspiNumber, ok, tradePointOf, type Envelope } from "./qr-envelope";

// Returns in the simulated Kaspi QR API (docs/kaspi.md §1–§2, v3.9 §3.2–3.4 for r2, §4.5 for r3):
// payment/details, payment/return (r2 with a scanned QrReturnId, r3 without), and r2's return QR:
// return/create → the customer scans it → return/status CustomerIdentityObtained →
// return/operations. Only inside the purchase's trade point (any of its devices, -99000003).
// The sandbox does not model customers: the one who scans a return QR "owns" every purchase of
// that trade point, so return/operations lists the trade point's latest paid purchases.

const RETURN_SCAN_WAIT_S = 180;
const RETURN_POLL_S = 5;

type Scheme = "r1" | "r2" | "r3";

type Row = NonNullable<Awaited<ReturnType<Db["sandboxPayment"]["findUnique"]>>>;

async function purchaseFor(
  db: Db,
  body: Record<string, unknown>,
): Promise<{ error: Envelope; payment?: never } | { payment: Row; error?: never }> {
  const p = await db.sandboxPayment.findUnique({ where: { id: String(body.QrPaymentId ?? "") } });
  if (!p || p.protocol !== "qr") return { error: err(-99000001, "Purchase not found") };
  const [own, device] = await Promise.all([
    tradePointOf(db, p.deviceToken ?? ""),
    tradePointOf(db, String(body.DeviceToken)),
  ]);
  if (own !== device) return { error: err(-99000003, "The purchase's trade point does not match this device") };
  return { payment: p };
}

export async function sandboxPaymentDetails(db: Db, query: URLSearchParams): Promise<Envelope> {
  const body = { QrPaymentId: query.get("QrPaymentId"), DeviceToken: query.get("DeviceToken") };
  const refused = await deviceRefusal(db, body.DeviceToken);
  if (refused) return refused;
  const found = await purchaseFor(db, body);
  if (found.error) return found.error;
  const p = found.payment;
  return ok({
    QrPaymentId: Number(p.id),
    TotalAmount: p.amount,
    AvailableReturnAmount: p.status === "COMPLETED" ? p.amount - p.refundedAmount : 0,
    TransactionDate: formatKaspiDate(p.updatedAt, "long"),
  });
}

export async function sandboxQrReturn(db: Db, body: Record<string, unknown>, scheme: Scheme): Promise<Envelope> {
  const refused = await deviceRefusal(db, body.DeviceToken);
  if (refused) return refused;
  const found = await purchaseFor(db, body);
  if (found.error) return found.error;
  const p = found.payment;
  if (scheme === "r2") {
    // r2 returns only to a customer who scanned a return QR of this trade point (v3.9 §3).
    const ret = await db.sandboxQrReturn.findUnique({ where: { id: String(body.QrReturnId ?? "") } });
    if (!ret || ret.status !== "CustomerIdentityObtained")
      return err(-99000011, "Return QR was not scanned by the customer");
    if ((await tradePointOf(db, ret.deviceToken)) !== (await tradePointOf(db, String(body.DeviceToken)))) {
      return err(-99000003, "The return's trade point does not match this device");
    }
  }
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

export function returnLinkFor(id: string): string {
  return `${env().appUrl}/sandbox/kaspi/qr/return/${id}`;
}

export async function sandboxReturnCreate(db: Db, body: Record<string, unknown>): Promise<Envelope> {
  const refused = await deviceRefusal(db, body.DeviceToken);
  if (refused) return refused;
  const id = newKaspiNumber();
  const expiresAt = new Date(Date.now() + RETURN_SCAN_WAIT_S * 1000);
  await db.sandboxQrReturn.create({
    data: {
      id,
      deviceToken: String(body.DeviceToken),
      externalId: typeof body.ExternalId === "string" ? body.ExternalId : null,
      status: "QrTokenCreated",
      expiresAt,
    },
  });
  return ok({
    QrToken: returnLinkFor(id),
    ExpireDate: formatKaspiDate(expiresAt, "short"),
    QrReturnId: Number(id),
    QrReturnBehaviorOptions: {
      QrCodeScanEventPollingInterval: RETURN_POLL_S,
      QrCodeScanWaitTimeout: RETURN_SCAN_WAIT_S,
    },
  });
}

/** return/status: QrTokenCreated until scanned, Error once the scan window is over (Appendix 5). */
export async function sandboxReturnStatus(db: Db, id: string): Promise<Envelope> {
  const ret = await db.sandboxQrReturn.findUnique({ where: { id } });
  if (!ret) return err(-99000001, "Return not found");
  if (ret.status === "QrTokenCreated" && ret.expiresAt.getTime() < Date.now()) return ok({ Status: "Error" });
  return ok({ Status: ret.status });
}

/** The customer scanned the return QR in the (simulated) Kaspi app. */
export async function sandboxReturnScan(db: Db, id: string): Promise<boolean> {
  const res = await db.sandboxQrReturn.updateMany({
    where: { id, status: "QrTokenCreated", expiresAt: { gt: new Date() } },
    data: { status: "CustomerIdentityObtained" },
  });
  return res.count === 1;
}

/** The sandbox Kaspi app's return page: the scan (as above), then the return QR as it now stands. */
export async function sandboxScanReturnPage(db: Db, id: string): Promise<{ id: string; status: string } | null> {
  await sandboxReturnScan(db, id);
  return db.sandboxQrReturn.findUnique({ where: { id }, select: { id: true, status: true } });
}

export async function sandboxReturnOperations(db: Db, body: Record<string, unknown>): Promise<Envelope> {
  const refused = await deviceRefusal(db, body.DeviceToken);
  if (refused) return refused;
  const ret = await db.sandboxQrReturn.findUnique({ where: { id: String(body.QrReturnId ?? "") } });
  if (!ret) return err(-99000001, "Return not found");
  if (ret.status !== "CustomerIdentityObtained") return err(-99000011, "Return QR was not scanned by the customer");
  const max = typeof body.MaxResult === "number" ? Math.min(Math.max(1, body.MaxResult), 10) : 10;
  const point = await tradePointOf(db, ret.deviceToken);
  const devices = [
    ...(point === "1" ? ["sandbox-device-token"] : []),
    ...(await db.sandboxQrDevice.findMany({ where: { tradePointId: point } })).map((d) => d.deviceToken),
  ];
  const paid = await db.sandboxPayment.findMany({
    where: { protocol: "qr", status: "COMPLETED", deviceToken: { in: devices } },
    orderBy: { updatedAt: "desc" },
    take: max,
  });
  return ok(
    paid.map((p) => ({
      QrPaymentId: Number(p.id),
      TransactionDate: formatKaspiDate(p.updatedAt, "short"),
      Amount: p.amount,
    })),
  );
}
