import { randomInt } from "node:crypto";
import QRCode from "qrcode";
import type { Db } from "../db";
import { db as defaultDb, isUniqueViolation } from "../db";
import { env } from "../env";
import type { EcomCreateRequest } from "../kaspi/ecom-schemas";
import { takeFault } from "./faults";
import { MAX_CALLBACK_COPIES } from "./url-policy";

// The Kaspi simulator: what "Kaspi" knows about its payments, kept apart from the app's mirror.
// It speaks the eCommerce API over real HTTP (see app/sandbox/kaspi/) and calls back like Kaspi.

export type SandboxStatus = "PENDING" | "COMPLETED" | "FAILED" | "EXPIRED";
type Row = Awaited<ReturnType<Db["sandboxPayment"]["findUniqueOrThrow"]>>;

const newKaspiId = () => `${Date.now()}${randomInt(100_000, 999_999)}`;

export function paymentLinkFor(id: string): string {
  return `${env().appUrl}/sandbox/kaspi/pay/${id}`;
}

export type SandboxCreateResult =
  | { ok: true; payment: Row; paymentLink: string; qrPngBase64?: string }
  | { ok: false; status: number; code: string; message: string };

export async function sandboxCreatePayment(
  db: Db,
  req: EcomCreateRequest,
  opts: { withQrImage: boolean },
): Promise<SandboxCreateResult> {
  const ttl = env().PAYMENT_TTL_SECONDS;
  let payment: Row;
  try {
    payment = await db.sandboxPayment.create({
      data: {
        id: newKaspiId(),
        externalId: req.externalId,
        amount: req.amount.value,
        currency: req.amount.currency,
        description: req.description,
        phone: req.customer.phone ?? null,
        redirectUrl: req.redirectUrl ?? null,
        callbackUrl: req.callbackUrl,
        status: "PENDING",
        expiresAt: new Date(Date.now() + ttl * 1000),
      },
    });
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    // Creation is idempotent by externalId: a repeat of the same request (a client retrying after
    // a lost answer) gets the payment that exists; a different amount is refused.
    const existing = await db.sandboxPayment.findUnique({ where: { externalId: req.externalId } });
    if (!existing || existing.amount !== req.amount.value) {
      return {
        ok: false,
        status: 409,
        code: "DUPLICATE_EXTERNAL_ID",
        message: "a payment with this externalId exists",
      };
    }
    payment = existing;
  }
  const paymentLink = paymentLinkFor(payment.id);
  if (!opts.withQrImage) return { ok: true, payment, paymentLink };
  const dataUrl = await QRCode.toDataURL(paymentLink, { margin: 1, width: 320 });
  return { ok: true, payment, paymentLink, qrPngBase64: dataUrl.replace(/^data:image\/png;base64,/, "") };
}

/** Reads a payment, expiring it first if its time is up (and calling back like Kaspi would). */
export async function sandboxReadPayment(db: Db, id: string): Promise<Row | null> {
  const payment = await db.sandboxPayment.findUnique({ where: { id } });
  if (!payment) return null;
  if (payment.status === "PENDING" && payment.expiresAt.getTime() <= Date.now()) {
    const res = await db.sandboxPayment.updateMany({ where: { id, status: "PENDING" }, data: { status: "EXPIRED" } });
    if (res.count === 1) await sendSandboxCallback(db, { ...payment, status: "EXPIRED" }, "EXPIRED");
    return { ...payment, status: "EXPIRED" };
  }
  return payment;
}

export function statusBody(p: Row, status: string = p.status) {
  return {
    data: {
      paymentId: p.id,
      externalId: p.externalId,
      status,
      amount: { value: p.amount, currency: p.currency },
    },
  };
}

export type DecideResult =
  { ok: true; payment: Row; callbackStatuses: number[] } | { ok: false; status: number; code: string; message: string };

export type CallbackOptions = { callbackDelayMs?: number; duplicates?: number; skipCallback?: boolean };

/**
 * POSTs { data: { paymentId, externalId, status } } to the payment's callbackUrl, `copies` times
 * at once. The claimed status may differ from the record (forged or late callbacks in tests).
 * Answers the HTTP statuses the app gave (0 = unreachable).
 */
export async function sendSandboxCallback(db: Db, p: Row, status: string, copies = 1): Promise<number[]> {
  // check/pay sends no callbacks: its callbackUrl is the Service's provider URL (checkpay-service.ts).
  if (!p.callbackUrl || p.protocol === "checkpay") return [];
  const fault = await takeFault(db, "callback", p.id);
  if (fault?.kind === "drop") return [];
  if (fault?.kind === "delay" || fault?.kind === "timeout") await new Promise((r) => setTimeout(r, fault.delayMs));
  const total = Math.min(MAX_CALLBACK_COPIES, fault?.kind === "duplicate" ? Math.max(copies, 3) : copies);
  const body = JSON.stringify({ data: { paymentId: p.id, externalId: p.externalId, status } });
  const url = p.callbackUrl;
  return Promise.all(
    Array.from({ length: total }, async () => {
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body,
          redirect: "error",
          signal: AbortSignal.timeout(15_000),
        });
        await res.arrayBuffer();
        return res.status;
      } catch {
        return 0;
      }
    }),
  );
}

/** Expires overdue sandbox payments and calls back, like Kaspi's own clock. */
export async function sandboxSweepExpired(db: Db, now = new Date()): Promise<number> {
  const overdue = await db.sandboxPayment.findMany({
    where: { status: "PENDING", expiresAt: { lte: now } },
    take: 50,
    select: { id: true },
  });
  for (const { id } of overdue) await sandboxReadPayment(db, id);
  return overdue.length;
}

const ARRIVED_AS: Record<string, string> = {
  "online-json": "Kaspi button, JSON from the store's server",
  "online-form": "Kaspi button, the shopper's browser form",
};

export async function getSandboxPayment(id: string) {
  const p = await sandboxReadPayment(defaultDb(), id);
  if (!p) return null;
  return {
    id: p.id,
    amount: p.amount,
    description: p.description,
    status: p.status as SandboxStatus,
    redirectUrl: p.redirectUrl,
    expiresAt: p.expiresAt,
    merchantName: env().MERCHANT_NAME,
    /** check/pay: the Service's account Kaspi passes to check/pay, and how the order arrived. */
    account: p.protocol === "checkpay" ? p.account : null,
    arrivedAs: ARRIVED_AS[p.presentation ?? ""] ?? null,
  };
}
