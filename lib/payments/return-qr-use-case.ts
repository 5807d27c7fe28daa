import type { Db } from "../db";
import { fail, ok, type Result } from "../errors";
import { newId } from "../ids";
import type { KaspiGateway } from "../kaspi/gateway";
import { recordEvent } from "./timeline";

// Kaspi QR r2's return flow (docs/kaspi.md §2 "r2 return", v3.9 §3.2–3.4): a refund needs the
// customer. The merchant makes a return QR (return/create) and shows it — on screen, or as a
// link sent to the customer; the customer scans it in the Kaspi app; return/status becomes
// CustomerIdentityObtained. Then one refund may use it (refund-use-case.ts sends return/operations,
// payment/details and payment/return with its QrReturnId). return/status is read at most once per
// QrCodeScanEventPollingInterval, however often the merchant's page asks. Everything is within the
// merchant's store (deps.storeId): another store's payment or return QR is "no such …".

export type ReturnQrView = {
  id: string;
  paymentId: string;
  qrReturnId: string;
  qrToken: string;
  status: string;
  ready: boolean;
  expiresAt: string | null;
  pollIntervalMs: number;
};

type Deps = { db: Db; gateway: KaspiGateway; storeId: string };
type Row = NonNullable<Awaited<ReturnType<Db["qrReturn"]["findUnique"]>>>;

const REFUNDABLE = ["PAID", "PARTIALLY_REFUNDED"];

function view(r: Row): ReturnQrView {
  return {
    id: r.id,
    paymentId: r.paymentId,
    qrReturnId: r.qrReturnId,
    qrToken: r.qrToken,
    status: r.status,
    ready: r.status === "CustomerIdentityObtained",
    expiresAt: r.expiresAt?.toISOString() ?? null,
    pollIntervalMs: r.pollIntervalMs,
  };
}

export async function startReturnQr(
  deps: Deps,
  input: { paymentId: string; actor: { userId: string; email: string } },
): Promise<Result<ReturnQrView>> {
  const port = deps.gateway.returnQr;
  if (!port) return fail("REFUND_UNSUPPORTED", "this Kaspi connection has no return QR (Kaspi QR r2 only)");
  const p = await deps.db.payment.findFirst({ where: { id: input.paymentId, storeId: deps.storeId } });
  if (!p) return fail("NOT_FOUND", "no such payment");
  if (!REFUNDABLE.includes(p.status) || p.amount - p.refundedAmount - p.refundingAmount <= 0) {
    return fail("REFUND_NOT_ALLOWED", `a ${p.status} payment has nothing left to refund`);
  }
  const id = newId("rqr");
  const made = await port.createReturnQr({ externalId: id });
  if (!made.ok) {
    return made.error.kind === "rejected"
      ? fail("KASPI_REJECTED", `Kaspi refused the return QR: ${made.error.message}`)
      : fail("KASPI_UNAVAILABLE", "Kaspi did not answer; try again in a minute");
  }
  const row = await deps.db.qrReturn.create({
    data: {
      id,
      storeId: p.storeId,
      paymentId: p.id,
      orderId: p.orderId,
      qrReturnId: made.value.qrReturnId,
      qrToken: made.value.qrToken,
      status: "QrTokenCreated",
      expiresAt: made.value.expiresAt ?? null,
      pollIntervalMs: made.value.pollIntervalMs,
      createdById: input.actor.userId,
    },
  });
  await recordEvent(deps.db, {
    orderId: p.orderId,
    paymentId: p.id,
    type: "refund.return_qr",
    source: "merchant",
    message: `return QR ${made.value.qrReturnId} made by ${input.actor.email}: the customer scans it in the Kaspi app`,
  });
  return ok(view(row));
}

/** The return QR now, asking Kaspi's return/status if its polling interval has passed. */
export async function readReturnQr(deps: Deps, id: string, now = new Date()): Promise<Result<ReturnQrView>> {
  const row = await deps.db.qrReturn.findFirst({ where: { id, storeId: deps.storeId } });
  if (!row) return fail("NOT_FOUND", "no such return QR");
  const port = deps.gateway.returnQr;
  if (!port || row.status !== "QrTokenCreated") return ok(view(row));
  const due = new Date(now.getTime() - row.pollIntervalMs);
  // A lease on lastCheckedAt: one return/status call per interval across tabs and processes.
  const lease = await deps.db.qrReturn.updateMany({
    where: { id, status: "QrTokenCreated", OR: [{ lastCheckedAt: null }, { lastCheckedAt: { lte: due } }] },
    data: { lastCheckedAt: now },
  });
  if (lease.count !== 1) return ok(view(row));
  const state = await port.getReturnQr(row.qrReturnId);
  if (!state.ok || !state.value.final) return ok(view(row));
  const status = state.value.ready ? "CustomerIdentityObtained" : "Error";
  await deps.db.qrReturn.updateMany({ where: { id, status: "QrTokenCreated" }, data: { status } });
  await recordEvent(deps.db, {
    orderId: row.orderId,
    paymentId: row.paymentId,
    type: "refund.return_qr",
    source: "kaspi.api",
    message: state.value.ready ? "the customer scanned the return QR" : "the return QR failed or expired",
  });
  return ok(view({ ...row, status }));
}

/** The newest scanned, unused return QR of a payment of the store, for the next refund. */
export async function readyReturnQr(db: Db, storeId: string, paymentId: string) {
  return db.qrReturn.findFirst({
    where: { storeId, paymentId, status: "CustomerIdentityObtained", refundId: null },
    orderBy: { createdAt: "desc" },
  });
}

/** One refund per return QR: a compare-and-set claims it. */
export async function claimReturnQr(db: Db, id: string, refundId: string): Promise<boolean> {
  const res = await db.qrReturn.updateMany({
    where: { id, status: "CustomerIdentityObtained", refundId: null },
    data: { status: "Used", refundId },
  });
  return res.count === 1;
}
