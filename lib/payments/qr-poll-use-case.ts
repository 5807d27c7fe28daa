import type { Db } from "../db";
import type { KaspiGateway, KaspiPaymentState } from "../kaspi/gateway";
import { LINK_ACTIVATION_MS } from "../kaspi/qr-gateway";
import { qrMetaSchema, type QrMeta } from "../kaspi/qr-schemas";
import { log } from "../log";
import { orderChanged } from "../live/change-feed";
import { DEFAULT_STORE_ID } from "../stores/store-id";
import { applyKaspiStatus } from "./apply-status";
import { gatewayOf, type GatewayFor } from "./store-gateway";
import { recordEvent } from "./timeline";

// Kaspi QR has no callbacks (docs/kaspi.md §2: v3.9 has no webhook): the server asks payment/status/{QrPaymentId} at the interval Kaspi
// gave (StatusPollingInterval), for every open attempt, whatever the number of shoppers watching.
// A lease on Payment.nextCheckAt (compare-and-set) makes each due payment one call, across processes.
// Superseded (CANCELLED) and clock-expired attempts keep being asked a while: if the shopper pays
// an old QR anyway, the money shows up (and is flagged for refund if the order was paid twice).

const BATCH = 20;
/** After our clock expired an attempt, keep asking Kaspi this long, this often. */
const TAIL_MS = 10 * 60_000;
const TAIL_INTERVAL_MS = 30_000;
const DEFAULT_POLL_MS = 5_000;

type Row = Awaited<ReturnType<Db["payment"]["findMany"]>>[number];

function metaOf(p: Row): QrMeta {
  const parsed = p.kaspiMeta ? qrMetaSchema.safeParse(JSON.parse(p.kaspiMeta) as unknown) : undefined;
  return parsed?.success ? parsed.data : { protocol: "qr", presentation: "qr", pollIntervalMs: DEFAULT_POLL_MS };
}

/** The document's example PaymentConfirmationTimeout (docs/kaspi.md §3), when Kaspi gave none. */
const CONFIRM_DEFAULT_MS = 65_000;

/**
 * When Kaspi's own timeouts say the shopper can no longer pay this attempt (docs/kaspi.md §3):
 * still QrTokenCreated QrCodeScanWaitTimeout (QR) or LinkActivationWaitTimeout (link) after
 * creation; still Wait PaymentConfirmationTimeout after Wait was first seen. A remote invoice
 * (r3) lives until its expiry (24 h, docs/kaspi.md §2).
 */
export function qrDeadline(p: { createdAt: Date; expiresAt: Date | null }, meta: QrMeta): Date {
  if (meta.presentation === "remote") return p.expiresAt ?? new Date(p.createdAt.getTime() + 24 * 3600_000);
  if (meta.waitSince) return new Date(new Date(meta.waitSince).getTime() + (meta.confirmMs ?? CONFIRM_DEFAULT_MS));
  if (meta.scanWaitMs) return new Date(p.createdAt.getTime() + meta.scanWaitMs);
  return p.expiresAt ?? new Date(p.createdAt.getTime() + LINK_ACTIVATION_MS);
}

/**
 * `gateway` is the default store's Kaspi; with `gatewayFor`, every other store's QR payments are
 * polled too, each through its own store's gateway (lib/payments/store-gateway.ts).
 */
export async function pollQrPayments(
  db: Db,
  gateway: KaspiGateway,
  now = new Date(),
  gatewayFor?: GatewayFor,
): Promise<number> {
  const defaultIsQr = gateway.protocol === "qr";
  if (!defaultIsQr && !gatewayFor) return 0;
  // Remote invoices (r3) are never here: they have no nextCheckAt, because Kaspi forbids reading
  // their status on a timer (docs/kaspi.md §2); lib/payments/remote-invoice-use-case.ts reads it.
  const due = await db.payment.findMany({
    where: {
      protocol: "qr",
      ...(defaultIsQr ? {} : { storeId: { not: DEFAULT_STORE_ID } }),
      status: { in: ["PENDING", "CANCELLED", "EXPIRED"] },
      nextCheckAt: { lte: now },
      kaspiPaymentId: { not: null },
    },
    orderBy: { nextCheckAt: "asc" },
    take: BATCH,
  });
  let polled = 0;
  for (const p of due) {
    const meta = metaOf(p);
    const tail = p.status !== "PENDING";
    const claim = await db.payment.updateMany({
      where: { id: p.id, status: p.status, nextCheckAt: p.nextCheckAt },
      data: { nextCheckAt: new Date(now.getTime() + (tail ? TAIL_INTERVAL_MS : meta.pollIntervalMs)) },
    });
    if (claim.count !== 1 || !p.kaspiPaymentId) continue;
    // The claim stands either way: a store that cannot reach Kaspi now is looked at next interval.
    const storeGateway = await gatewayOf({ gateway, ...(gatewayFor ? { gatewayFor } : {}) }, p.storeId);
    if (!storeGateway.ok || storeGateway.value.protocol !== "qr") continue;
    polled++;
    const started = Date.now();
    await pollOne(db, storeGateway.value, p, meta, now);
    const end = now.getTime() + (Date.now() - started);
    // Count the interval from the end of this poll (the call may have been slow), and take the
    // lease back from any other checker that claimed the payment meanwhile with a longer delay.
    await db.payment.updateMany({
      where: { id: p.id, status: p.status, nextCheckAt: { not: null } },
      data: { nextCheckAt: new Date(end + (tail ? TAIL_INTERVAL_MS : meta.pollIntervalMs)) },
    });
  }
  return polled;
}

async function pollOne(db: Db, gateway: KaspiGateway, p: Row, meta: QrMeta, now: Date): Promise<void> {
  if (!p.kaspiPaymentId) return;
  const state = await gateway.getPayment(p.kaspiPaymentId);
  if (!state.ok) {
    // Once per distinct error, not once per poll: the timeline stays readable.
    if (p.lastError !== state.error.message) {
      await db.payment.updateMany({ where: { id: p.id }, data: { lastError: state.error.message } });
      await recordEvent(db, {
        orderId: p.orderId,
        paymentId: p.id,
        type: "verification.failed",
        source: "kaspi.api",
        message: state.error.message,
        data: { kind: state.error.kind, code: state.error.code },
      });
    }
    return;
  }
  await handleState(db, p, meta, state.value, now);
}

async function handleState(db: Db, p: Row, meta: QrMeta, s: KaspiPaymentState, now: Date): Promise<void> {
  const base = { orderId: p.orderId, paymentId: p.id, source: "kaspi.api" as const };
  if (s.unknownStatus) await noteUnknownStatus(db, p, s.rawStatus);
  if (s.loan) await recordLoan(db, p, s.loan);
  if (s.status === "PAID") {
    if (s.amount !== undefined && s.amount !== p.amount) {
      await db.payment.updateMany({ where: { id: p.id }, data: { nextCheckAt: null, lastError: "amount mismatch" } });
      await recordEvent(db, {
        ...base,
        type: "payment.needs_review",
        message: `Kaspi says Processed for ${s.amount} ₸ but the attempt is ${p.amount} ₸; not marked paid`,
        data: s,
      });
      return;
    }
    await applyKaspiStatus(db, {
      paymentId: p.id,
      to: "PAID",
      source: "kaspi.api",
      data: { kaspiStatus: s.rawStatus, transactionId: s.transactionId, loan: s.loan },
      now,
    });
    return;
  }
  if (s.status !== "PENDING") {
    await applyKaspiStatus(db, {
      paymentId: p.id,
      to: s.status,
      source: "kaspi.api",
      data: { kaspiStatus: s.rawStatus },
      now,
    });
    // Error is final at Kaspi: nothing more to ask, whatever our status is.
    await db.payment.updateMany({ where: { id: p.id, nextCheckAt: { not: null } }, data: { nextCheckAt: null } });
    await db.order.updateMany({ where: { id: p.orderId, kaspiStage: { not: null } }, data: { kaspiStage: null } });
    orderChanged(p.orderId);
    return;
  }
  let current = meta;
  if (s.stage === "awaiting_confirmation" && !meta.waitSince) {
    current = { ...meta, waitSince: now.toISOString() };
    await db.payment.updateMany({ where: { id: p.id }, data: { kaspiMeta: JSON.stringify(current) } });
    await recordEvent(db, {
      ...base,
      type: "payment.scanned",
      message: `Kaspi says ${s.rawStatus}: awaiting confirmation`,
    });
  }
  if (p.status === "PENDING" && s.stage) {
    const staged = await db.order.updateMany({
      where: { id: p.orderId, status: "PENDING", OR: [{ kaspiStage: null }, { kaspiStage: { not: s.stage } }] },
      data: { kaspiStage: s.stage },
    });
    if (staged.count === 1) orderChanged(p.orderId);
  }
  const deadline = qrDeadline(p, current);
  // One more poll interval of grace: Kaspi's answer wins over our clock when they race.
  const over = now.getTime() > deadline.getTime() + current.pollIntervalMs;
  if (!over) return;
  if (p.status === "PENDING") {
    await applyKaspiStatus(db, {
      paymentId: p.id,
      to: "EXPIRED",
      source: "system",
      data: { reason: "Kaspi's scan/confirmation time is over", kaspiStatus: s.rawStatus },
      now,
    });
    await db.payment.updateMany({
      where: { id: p.id, status: "EXPIRED" },
      data: { nextCheckAt: new Date(now.getTime() + TAIL_INTERVAL_MS) },
    });
  } else if (now.getTime() > deadline.getTime() + TAIL_MS) {
    await db.payment.updateMany({ where: { id: p.id, status: p.status }, data: { nextCheckAt: null } });
  }
}

/** A status v3.9 does not list: logged (once per value) and kept pending (docs/kaspi.md §4). */
async function noteUnknownStatus(db: Db, p: Row, raw: string): Promise<void> {
  const note = `Kaspi answered an undocumented status "${raw.slice(0, 40)}": kept pending`;
  if (p.lastError === note) return;
  log().warn({ paymentId: p.id, kaspiStatus: raw.slice(0, 40) }, "unknown Kaspi QR status, kept pending");
  await db.payment.updateMany({ where: { id: p.id }, data: { lastError: note } });
  await recordEvent(db, {
    orderId: p.orderId,
    paymentId: p.id,
    type: "verification.result",
    source: "kaspi.api",
    message: note,
  });
}

async function recordLoan(db: Db, p: Row, loan: NonNullable<KaspiPaymentState["loan"]>): Promise<void> {
  const json = JSON.stringify(loan);
  const res = await db.order.updateMany({
    where: { id: p.orderId, OR: [{ kaspiLoan: null }, { kaspiLoan: { not: json } }] },
    data: { kaspiLoan: json },
  });
  if (res.count === 1) {
    orderChanged(p.orderId);
    await recordEvent(db, {
      orderId: p.orderId,
      paymentId: p.id,
      type: "payment.loan",
      source: "kaspi.api",
      message: `Kaspi Red / loan: ${loan.offerName}${loan.term ? `, ${loan.term} months` : ""}`,
      data: loan,
    });
  }
}
