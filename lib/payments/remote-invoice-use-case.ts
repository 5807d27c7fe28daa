import { z } from "zod";
import type { Db } from "../db";
import { isUniqueViolation } from "../db";
import { env } from "../env";
import { fail, ok, type Result } from "../errors";
import { newId } from "../ids";
import { normalizePhone } from "../phone";
import { qrMetaSchema, type QrMeta } from "../kaspi/qr-schemas";
import { applyKaspiStatus } from "./apply-status";
import type { StartPaymentDeps } from "./start-payment-use-case";
import { scopedToStore } from "./store-gateway";
import { isPaidLike, isTerminal, PAYMENT_STATUSES, type PaymentStatus } from "./status";
import { recordEvent } from "./timeline";

// Pay by phone number: a Kaspi QR r3 remote invoice sent to the shopper's Kaspi app
// (docs/kaspi.md §2, Public QR API v3.9 §4.6). The document's rules, kept here:
// - remote/client-info at most 50 calls a minute per device (our one DeviceToken); on top of it our
//   own privacy caps on those phone → name look-ups (per token, per address: see remoteClientInfo);
// - the invoice is payable for 24 h;
// - its status is read ONLY on a user action — the shopper's "I've paid — check", a page load, or
//   the merchant's re-check — never on a timer (interval polling "is forbidden and gets blocked"):
//   the attempt has no nextCheckAt, so neither the QR poller nor the reconciler ever asks;
// - remote/cancel when the shopper switches back to the QR or leaves the checkout.

/** The shopper's actions on the r3 invoice by phone (POST /api/checkout/{token}/remote). */
export const remoteActionSchema = z.discriminatedUnion("action", [
  z.object({ action: z.enum(["client-info", "send"]), phone: z.string().min(5).max(30) }).strict(),
  z.object({ action: z.enum(["check", "cancel"]) }).strict(),
]);

export const INVOICE_LIFE_MS = 24 * 3600_000;
export const CLIENT_INFO_PER_MINUTE = 50;
/** Even on user actions, one status call per this long (a double click is one call). */
const CHECK_MIN_GAP_MS = 3_000;

export type RemoteView = { status: PaymentStatus; attempt: number; expiresAt?: string; clientName?: string };

/** The answers of POST /api/checkout/{token}/remote: client-info's name, or the invoice's attempt. */
export const remoteClientInfoSchema = z.object({ clientName: z.string() });
export const remoteViewSchema = z.object({
  status: z.enum(PAYMENT_STATUSES),
  attempt: z.number().int(),
  expiresAt: z.iso.datetime().optional(),
  clientName: z.string().optional(),
});

type Deps = StartPaymentDeps;
type PaymentRow = NonNullable<Awaited<ReturnType<Db["payment"]["findFirst"]>>>;

/**
 * Call times per key within a sliding window, in this process. Memory is bounded: a key is dropped
 * once its last call leaves the window, and past `maxKeys` keys the least recently used go first.
 */
class CallWindows {
  private readonly calls = new Map<string, number[]>();

  constructor(
    private readonly windowMs: number,
    private readonly maxKeys = 100_000,
  ) {}

  /** Counts one call under `key`: 0, or (counting nothing) how many ms until one is free. */
  take(key: string, limit: number, now: number): number {
    const times = (this.calls.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (times.length >= limit) {
      this.calls.set(key, times);
      return Math.max(1, (times[times.length - limit] ?? now) + this.windowMs - now);
    }
    times.push(now);
    this.calls.delete(key); // re-inserted last: the map's order is least recently used first
    if (this.calls.size >= this.maxKeys) this.makeRoom(now);
    this.calls.set(key, times);
    return 0;
  }

  /** Gives back a call counted at `at` that was not made after all. */
  refund(key: string, at: number): void {
    const times = this.calls.get(key);
    const i = times?.lastIndexOf(at) ?? -1;
    if (times && i >= 0) times.splice(i, 1);
  }

  clear(): void {
    this.calls.clear();
  }

  private makeRoom(now: number): void {
    for (const [key, times] of this.calls) {
      if ((times[times.length - 1] ?? 0) <= now - this.windowMs) this.calls.delete(key);
    }
    let drop = this.calls.size - this.maxKeys + Math.max(1, Math.ceil(this.maxKeys / 10));
    for (const key of this.calls.keys()) {
      if (drop-- <= 0) return;
      this.calls.delete(key);
    }
  }
}

// ---- Phone-number look-ups (remote/client-info: a phone number → the account holder's name) ----
// A privacy limit (docs/security.md "Phone-number lookups"): a checkout token may look up names
// only while its order is payable, at most REMOTE_LOOKUPS_PER_TOKEN times in 24 h (counted in the
// database: every instance, and restarts, see the same count), and one client address at most
// REMOTE_LOOKUPS_PER_ADDRESS times an hour over all tokens (per instance) — all on top of Kaspi's
// 50 calls a minute per device. Every look-up that reaches Kaspi counts, whatever its answer.

export type LookupLimits = { perToken: number; perAddress: number };
export const LOOKUP_TOKEN_WINDOW_MS = 24 * 3600_000;
export const LOOKUP_ADDRESS_WINDOW_MS = 3600_000;
/** The timeline event of one look-up: the per-token count, and the merchant's record of it. */
export const LOOKUP_EVENT = "remote.client_info";

export function lookupLimitsFromEnv(): LookupLimits {
  const e = env();
  return { perToken: e.REMOTE_LOOKUPS_PER_TOKEN, perAddress: e.REMOTE_LOOKUPS_PER_ADDRESS };
}

/** CREATED or PENDING: the checkout can still be paid, so the shopper may ask whose app it is. */
export function lookupAllowedFor(status: PaymentStatus): boolean {
  return !isTerminal(status);
}

const deviceCalls = new CallWindows(60_000);
const addressCalls = new CallWindows(LOOKUP_ADDRESS_WINDOW_MS);

/** Sliding one-minute window per process (docs/kaspi.md §2: ≤ 50 calls/min per device): 0 or ms to wait. */
function takeClientInfoSlot(now: number): number {
  return deviceCalls.take("device", CLIENT_INFO_PER_MINUTE, now);
}

/** Tests only: forget the per-process windows (the device's minute and the per-address hours). */
export function resetClientInfoWindowForTests(): void {
  deviceCalls.clear();
  addressCalls.clear();
}

const retryAfterSeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
const masked = (phone: string) => `${phone.slice(0, 4)}•••${phone.slice(-2)}`;

/**
 * Reserves one of the order's look-ups in the 24 h window: 0, ms until one is free, or "busy" when
 * concurrent requests kept taking the next number (a burst on one token). The reservation
 * is a timeline event whose id is `<orderId>` + the order's look-up number, so two instances (or two
 * requests) racing for the last look-up cannot both insert it: the loser counts again.
 */
async function reserveTokenLookup(
  db: Db,
  input: { orderId: string; phone: string; perToken: number; now: Date },
): Promise<number | "busy"> {
  const { orderId, perToken, now } = input;
  for (let tries = 0; tries < 5; tries++) {
    // Counted before the window is read: if look-up `number` can then be inserted, no other was
    // inserted in between, so the window read was the whole truth at the insert.
    const number = (await db.paymentEvent.count({ where: { orderId, type: LOOKUP_EVENT } })) + 1;
    const recent = await db.paymentEvent.findMany({
      where: { orderId, type: LOOKUP_EVENT, createdAt: { gt: new Date(now.getTime() - LOOKUP_TOKEN_WINDOW_MS) } },
      orderBy: { createdAt: "desc" },
      take: perToken,
      select: { createdAt: true },
    });
    const oldest = recent[perToken - 1];
    if (oldest) return Math.max(1, oldest.createdAt.getTime() + LOOKUP_TOKEN_WINDOW_MS - now.getTime());
    try {
      await db.paymentEvent.create({
        data: {
          id: `evt_${orderId}_lookup_${number}`,
          orderId,
          type: LOOKUP_EVENT,
          source: "shopper",
          message: `look-up ${number}: the name on the Kaspi account of ${masked(input.phone)}`,
          createdAt: now,
        },
      });
      return 0;
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
    }
  }
  return "busy";
}

function metaOf(p: PaymentRow): (QrMeta & { phone?: string; lastCheckAt?: string }) | null {
  if (!p.kaspiMeta) return null;
  const parsed = qrMetaSchema.loose().safeParse(JSON.parse(p.kaspiMeta) as unknown);
  return parsed.success && parsed.data.presentation === "remote"
    ? (parsed.data as QrMeta & { lastCheckAt?: string })
    : null;
}

/** The checkout's store's Kaspi (lib/payments/store-gateway.ts): an invoice goes through that store's contract only. */
async function scopedToCheckout(deps: Deps, token: string): Promise<Result<Deps>> {
  if (!deps.gatewayFor) return ok(deps);
  const order = await deps.db.order.findUnique({ where: { checkoutToken: token }, select: { storeId: true } });
  return scopedToStore(deps, order?.storeId);
}

async function orderOf(db: Db, token: string) {
  return db.order.findUnique({ where: { checkoutToken: token } });
}

async function latestOf(db: Db, orderId: string) {
  return db.payment.findFirst({ where: { orderId }, orderBy: { attempt: "desc" } });
}

export async function remoteClientInfo(
  storeDeps: Deps,
  input: { token: string; phone: string; clientKey: string; limits?: LookupLimits; now?: Date },
): Promise<Result<{ clientName: string }>> {
  const scoped = await scopedToCheckout(storeDeps, input.token);
  if (!scoped.ok) return scoped;
  const deps = scoped.value;
  const port = deps.gateway.remoteInvoice;
  if (!port) return fail("NOT_FOUND", "pay by phone number is not available here");
  const order = await orderOf(deps.db, input.token);
  if (!order) return fail("NOT_FOUND", "unknown checkout");
  if (!lookupAllowedFor(order.status as PaymentStatus)) {
    return fail("ORDER_NOT_PAYABLE", `the order is ${order.status}: there is nothing to pay`);
  }
  const phone = normalizePhone(input.phone);
  if (!phone) return fail("INVALID_PHONE", "enter a Kazakhstan mobile number, +7 7XX XXX XX XX");
  const limits = input.limits ?? lookupLimitsFromEnv();
  const now = input.now ?? new Date();
  const at = now.getTime();
  const limited = (message: string, waitMs: number) =>
    fail<{ clientName: string }>("RATE_LIMITED", message, { retryAfterSeconds: retryAfterSeconds(waitMs) });

  // The per-process windows first (they can be given back); the token's count, which cannot, last.
  const addressKey = `address:${input.clientKey}`;
  const addressWait = addressCalls.take(addressKey, limits.perAddress, at);
  if (addressWait > 0) return limited("too many look-ups from your address; send the invoice directly", addressWait);
  const deviceWait = takeClientInfoSlot(at);
  if (deviceWait > 0) {
    addressCalls.refund(addressKey, at);
    return limited("too many look-ups right now; send the invoice directly", deviceWait);
  }
  const tokenWait = await reserveTokenLookup(deps.db, { orderId: order.id, phone, perToken: limits.perToken, now });
  if (tokenWait !== 0) {
    addressCalls.refund(addressKey, at);
    deviceCalls.refund("device", at);
    return tokenWait === "busy"
      ? limited("another look-up for this checkout is under way; try again", 1000)
      : limited("this checkout has used its look-ups; send the invoice directly", tokenWait);
  }

  const res = await port.clientInfo(phone);
  if (!res.ok) {
    return res.error.kind === "rejected"
      ? fail("KASPI_REJECTED", "Kaspi does not know this number")
      : fail("KASPI_UNAVAILABLE", "Kaspi is not answering");
  }
  return ok(res.value);
}

export async function sendRemoteInvoice(
  storeDeps: Deps,
  input: { token: string; phone: string },
): Promise<Result<RemoteView>> {
  const scoped = await scopedToCheckout(storeDeps, input.token);
  if (!scoped.ok) return scoped;
  const deps = scoped.value;
  const { db } = deps;
  const port = deps.gateway.remoteInvoice;
  if (!port) return fail("NOT_FOUND", "pay by phone number is not available here");
  const phone = normalizePhone(input.phone);
  if (!phone) return fail("INVALID_PHONE", "enter a Kazakhstan mobile number, +7 7XX XXX XX XX");
  const order = await orderOf(db, input.token);
  if (!order) return fail("NOT_FOUND", "unknown checkout");
  if (isPaidLike(order.status as PaymentStatus) || order.status === "CANCELLED") {
    return fail("ORDER_NOT_PAYABLE", `the order is ${order.status}`);
  }
  const latest = await latestOf(db, order.id);
  if (latest?.status === "PENDING") {
    const meta = metaOf(latest);
    if (meta?.phone === phone) return ok(viewOf(latest));
    // The open QR/link (or an invoice to another number) is closed first: one open attempt.
    if (meta) await cancelAttempt(deps, latest, "shopper sent a new invoice");
    else await closeAttempt(db, latest, "switched to an invoice by phone number");
  } else if (latest?.status === "CREATED") {
    return fail("CONFLICT", "a payment is being prepared; try again in a moment");
  }

  const attempt = (latest?.attempt ?? 0) + 1;
  let reserved: PaymentRow;
  try {
    reserved = await db.payment.create({
      data: {
        id: newId("pay"),
        storeId: order.storeId,
        orderId: order.id,
        attempt,
        protocol: deps.gateway.protocol,
        kaspiExternalId: `${order.externalId}#${attempt}`,
        amount: order.amount,
        status: "CREATED",
        nextCheckAt: null,
      },
    });
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    return fail("CONFLICT", "try again");
  }
  const created = await port.createInvoice({
    phone,
    amount: order.amount,
    comment: `${deps.merchantName}: ${order.accountNumber ?? order.externalId}`,
  });
  if (!created.ok) {
    // Never retried: a lost answer may hide an invoice Kaspi did send; the shopper can send again.
    await db.payment.updateMany({
      where: { id: reserved.id, status: "CREATED" },
      data: { status: "FAILED", lastError: created.error.message },
    });
    await recordEvent(db, {
      orderId: order.id,
      paymentId: reserved.id,
      type: "payment.create_failed",
      source: "kaspi.api",
      message: `remote invoice: ${created.error.message}`,
    });
    return created.error.kind === "rejected"
      ? fail("KASPI_REJECTED", "Kaspi refused the invoice: check the number")
      : fail("KASPI_UNAVAILABLE", "Kaspi is not answering; try again");
  }
  const meta = { protocol: "qr", presentation: "remote", pollIntervalMs: CHECK_MIN_GAP_MS, phone } as const;
  const expiresAt = new Date(Date.now() + INVOICE_LIFE_MS);
  await db.$transaction(async (tx) => {
    await tx.payment.updateMany({
      where: { id: reserved.id, status: "CREATED" },
      data: {
        status: "PENDING",
        kaspiPaymentId: created.value.kaspiPaymentId,
        expiresAt,
        kaspiMeta: JSON.stringify(meta),
        nextCheckAt: null,
      },
    });
    await tx.order.updateMany({
      where: { id: order.id, status: { in: ["CREATED", "FAILED", "EXPIRED", "PENDING"] } },
      data: { status: "PENDING", kaspiStage: "awaiting_confirmation" },
    });
    await recordEvent(tx, {
      orderId: order.id,
      paymentId: reserved.id,
      type: "payment.created",
      source: "shopper",
      message: `attempt ${attempt}: invoice sent to the Kaspi app of ${masked(phone)}`,
      data: { kaspiPaymentId: created.value.kaspiPaymentId, expiresAt: expiresAt.toISOString() },
    });
  });
  return ok({ status: "PENDING", attempt, expiresAt: expiresAt.toISOString() });
}

function viewOf(p: PaymentRow): RemoteView {
  return {
    status: p.status as PaymentStatus,
    attempt: p.attempt,
    ...(p.expiresAt ? { expiresAt: p.expiresAt.toISOString() } : {}),
  };
}

/** "I've paid — check" or a page load: one payment/status call, never more than one per few seconds. */
export async function checkRemoteInvoice(
  storeDeps: Deps,
  input: { token: string; now?: Date },
): Promise<Result<RemoteView>> {
  const scoped = await scopedToCheckout(storeDeps, input.token);
  if (!scoped.ok) return scoped;
  const deps = scoped.value;
  const { db, gateway } = deps;
  const now = input.now ?? new Date();
  const order = await orderOf(db, input.token);
  if (!order) return fail("NOT_FOUND", "unknown checkout");
  const p = await latestOf(db, order.id);
  const meta = p ? metaOf(p) : null;
  if (!p || !meta || p.status !== "PENDING" || !p.kaspiPaymentId) {
    return p ? ok(viewOf(p)) : fail("NOT_FOUND", "no invoice was sent");
  }
  if (meta.lastCheckAt && now.getTime() - Date.parse(meta.lastCheckAt) < CHECK_MIN_GAP_MS) return ok(viewOf(p));
  // Compare-and-set on the meta text: concurrent clicks make one Kaspi call.
  const claimed = await db.payment.updateMany({
    where: { id: p.id, kaspiMeta: p.kaspiMeta },
    data: { kaspiMeta: JSON.stringify({ ...meta, lastCheckAt: now.toISOString() }) },
  });
  if (claimed.count !== 1) return ok(viewOf(p));
  const state = await gateway.getPayment(p.kaspiPaymentId);
  if (!state.ok) return fail("KASPI_UNAVAILABLE", "Kaspi is not answering; try again in a minute");
  if (state.value.status !== "PENDING") {
    await applyKaspiStatus(db, {
      paymentId: p.id,
      to: state.value.status,
      source: "kaspi.api",
      data: { kaspiStatus: state.value.rawStatus, checkedBy: "shopper" },
      now,
    });
  } else if (p.expiresAt && p.expiresAt.getTime() < now.getTime()) {
    await applyKaspiStatus(db, {
      paymentId: p.id,
      to: "EXPIRED",
      source: "system",
      data: { reason: "remote invoice is 24 h old" },
      now,
    });
  }
  return ok(viewOf(await db.payment.findUniqueOrThrow({ where: { id: p.id } })));
}

/** The shopper switched back to the QR or left: remote/cancel, and the checkout is open again. */
export async function cancelRemoteInvoice(storeDeps: Deps, input: { token: string }): Promise<Result<RemoteView>> {
  const scoped = await scopedToCheckout(storeDeps, input.token);
  if (!scoped.ok) return scoped;
  const deps = scoped.value;
  const order = await orderOf(deps.db, input.token);
  if (!order) return fail("NOT_FOUND", "unknown checkout");
  const p = await latestOf(deps.db, order.id);
  if (!p || !metaOf(p) || p.status !== "PENDING") return p ? ok(viewOf(p)) : fail("NOT_FOUND", "no invoice was sent");
  await cancelAttempt(deps, p, "shopper switched back or left");
  return ok(viewOf(await deps.db.payment.findUniqueOrThrow({ where: { id: p.id } })));
}

async function cancelAttempt(deps: Deps, p: PaymentRow, why: string): Promise<void> {
  const port = deps.gateway.remoteInvoice;
  if (!port || !p.kaspiPaymentId) return;
  const res = await port.cancelInvoice(p.kaspiPaymentId);
  if (!res.ok) {
    // Kaspi would not cancel (perhaps it was just paid): read the status once and apply it.
    await checkRemoteInvoice(deps, {
      token: (await deps.db.order.findUniqueOrThrow({ where: { id: p.orderId } })).checkoutToken,
    });
    return;
  }
  await closeAttempt(deps.db, p, `${why}: Kaspi says ${res.value.rawStatus}`);
}

/** Closes the attempt only (CANCELLED); the order is open again (CREATED) for a fresh QR or invoice. */
async function closeAttempt(db: Db, p: PaymentRow, message: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const res = await tx.payment.updateMany({
      where: { id: p.id, status: "PENDING" },
      data: { status: "CANCELLED", nextCheckAt: metaOf(p) ? null : new Date() },
    });
    if (res.count !== 1) return;
    await tx.order.updateMany({
      where: { id: p.orderId, status: "PENDING" },
      data: { status: "CREATED", kaspiStage: null },
    });
    await recordEvent(tx, {
      orderId: p.orderId,
      paymentId: p.id,
      type: "payment.superseded",
      source: "shopper",
      message,
    });
  });
}
