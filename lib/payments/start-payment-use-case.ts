import type { Db } from "../db";
import { isUniqueViolation } from "../db";
import { fail, ok, type Result } from "../errors";
import { orderChanged } from "../live/change-feed";
import type { KaspiGateway, PaymentDevice } from "../kaspi/gateway";
import { newAttemptRow } from "./attempt-row";
import type { PaymentView } from "./checkout-views";
import { isPaidLike, type PaymentStatus } from "./status";
import { scopedToStore, type GatewayFor } from "./store-gateway";
import { recordEvent } from "./timeline";

export type StartPaymentDeps = {
  db: Db;
  /** The default store's Kaspi. */
  gateway: KaspiGateway;
  /** Another store's Kaspi (lib/payments/store-gateway.ts); without it every order uses `gateway`. */
  gatewayFor?: GatewayFor;
  appUrl: string;
  paymentTtlSeconds: number;
  kaspiTimeoutMs: number;
  merchantName: string;
};

type PaymentRow = Awaited<ReturnType<Db["payment"]["findFirst"]>> & {};
type OrderRow = Awaited<ReturnType<Db["order"]["findUnique"]>> & {};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pause before an unconfirmed creation may be tried again (by the shopper or the reconciler). */
export const CREATION_RETRY_MS = 5_000;

function view(order: OrderRow, payment: PaymentRow | null): PaymentView {
  const status = order.status as PaymentStatus;
  if (!payment) return { status, attempt: 0 };
  const showPayable = payment.status === "PENDING" && !isPaidLike(status);
  return {
    status,
    attempt: payment.attempt,
    ...(showPayable && payment.paymentLink ? { paymentLink: payment.paymentLink } : {}),
    ...(showPayable && payment.qrValue && payment.qrFormat
      ? { qr: { format: payment.qrFormat as "text" | "png-base64", value: payment.qrValue } }
      : {}),
    ...(showPayable && payment.expiresAt ? { expiresAt: payment.expiresAt.toISOString() } : {}),
    ...(presentationOf(payment) ? { presentation: presentationOf(payment) } : {}),
    ...(showPayable && kaspiFormOf(payment) ? { kaspiForm: kaspiFormOf(payment) } : {}),
  };
}

/**
 * The Kaspi button's browser form, for an attempt whose JSON request Kaspi did not take
 * (lib/kaspi/checkpay-gateway.ts keeps it in Payment.kaspiMeta): the page posts it instead.
 */
function kaspiFormOf(payment: PaymentRow): PaymentView["kaspiForm"] {
  if (!payment.kaspiMeta) return undefined;
  const meta = JSON.parse(payment.kaspiMeta) as { form?: { action?: unknown; fields?: unknown } };
  const form = meta.form;
  if (!form || typeof form.action !== "string" || typeof form.fields !== "object" || form.fields === null) {
    return undefined;
  }
  const fields = Object.fromEntries(
    Object.entries(form.fields).filter((e): e is [string, string] => typeof e[1] === "string"),
  );
  return { action: form.action, fields };
}

/** "qr" or "link" for protocols that present an attempt one way (Kaspi QR), from Payment.kaspiMeta. */
function presentationOf(payment: PaymentRow): "qr" | "link" | "remote" | undefined {
  if (!payment.kaspiMeta) return undefined;
  const meta = JSON.parse(payment.kaspiMeta) as { presentation?: unknown };
  return meta.presentation === "qr" || meta.presentation === "link" || meta.presentation === "remote"
    ? meta.presentation
    : undefined;
}

// POST /api/checkout/{token}/payment: one Kaspi payment per attempt, whatever the clicks, reloads,
// timeouts and crashes. The attempt row is reserved first (unique orderId+attempt); creating its
// Kaspi payment is a leased step keyed by the attempt's externalId, so it can be repeated safely
// until Kaspi confirms, by whoever holds the lease (this request, a retry, or the reconciler).
export async function startPayment(
  storeDeps: StartPaymentDeps,
  input: { token: string; retryOf?: number; device?: PaymentDevice },
): Promise<Result<PaymentView>> {
  const { db } = storeDeps;
  const order = await db.order.findUnique({ where: { checkoutToken: input.token } });
  if (!order) return fail("NOT_FOUND", "unknown checkout");
  const latest = await db.payment.findFirst({ where: { orderId: order.id }, orderBy: { attempt: "desc" } });
  const status = order.status as PaymentStatus;
  if (isPaidLike(status) || status === "CANCELLED") return ok(view(order, latest));
  // From here on, Kaspi is the order's store's: its contract, its credentials, its mode.
  const scoped = await scopedToStore(storeDeps, order.storeId);
  if (!scoped.ok) return scoped;
  const deps = scoped.value;

  if (latest?.status === "CREATED") return completeCreation(deps, latest.id, input.device);
  if (latest?.status === "PENDING") {
    const switched = input.device ? await supersedeForDevice(deps, latest, input.device) : false;
    const lapsed = !switched && input.retryOf === latest.attempt && (await supersedeLapsed(deps, latest, order));
    // Re-read payment then order: the order read above may predate the commit that made this
    // attempt PENDING (both change in one transaction), and must not be shown with it.
    if (!switched && !lapsed) return currentView(db, latest.id);
  } else {
    // A new attempt when there is none, when the shopper asks to retry this one, or when the order
    // was reset by Bitrix (amount changed: the order is CREATED again, its old attempts closed).
    const wantsNew = !latest || input.retryOf === latest.attempt || status === "CREATED";
    if (!wantsNew) return ok(view(order, latest));
  }

  const row = newAttemptRow(order, latest);
  try {
    const reserved = await db.payment.create({ data: { ...row, protocol: deps.gateway.protocol, status: "CREATED" } });
    return completeCreation(deps, reserved.id, input.device);
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    // A concurrent request reserved this attempt first: follow it.
    const winner = await db.payment.findFirst({ where: { orderId: order.id, attempt: row.attempt } });
    return winner ? completeCreation(deps, winner.id, input.device) : fail("CONFLICT", "try again");
  }
}

// The shopper switched between "scan a QR" and "pay on this phone" (Kaspi QR makes a different
// payment for each). The open attempt is closed (only the attempt: the order stays PENDING) and a
// new one is made. The closed one keeps being polled until it expires, in case it is paid anyway.
async function supersedeForDevice(deps: StartPaymentDeps, latest: PaymentRow, device: PaymentDevice): Promise<boolean> {
  const current = presentationOf(latest);
  const wanted = device === "mobile" ? "link" : "qr";
  // A remote invoice (Kaspi QR r3) is left only through remote/cancel (remote-invoice-use-case.ts).
  if (latest.status !== "PENDING" || current === undefined || current === "remote" || current === wanted) return false;
  return deps.db.$transaction(async (tx) => {
    const res = await tx.payment.updateMany({
      where: { id: latest.id, status: "PENDING" },
      data: { status: "CANCELLED" },
    });
    if (res.count !== 1) return false;
    await recordEvent(tx, {
      orderId: latest.orderId,
      paymentId: latest.id,
      type: "payment.superseded",
      source: "shopper",
      message: `switched from ${current} to ${wanted}`,
    });
    return true;
  });
}

// Kaspi QR: past QrCodeScanWaitTimeout / LinkActivationWaitTimeout without a scan the QR or link is
// dead (docs/kaspi.md §3); the page drops it and the shopper asks for a fresh one. The old attempt
// is closed like a switch (and still polled a while, in case it is paid anyway).
async function supersedeLapsed(deps: StartPaymentDeps, latest: PaymentRow, order: OrderRow): Promise<boolean> {
  const presentation = presentationOf(latest);
  const scanned = order.kaspiStage === "awaiting_confirmation";
  const over = latest.expiresAt !== null && latest.expiresAt.getTime() <= Date.now();
  if ((presentation !== "qr" && presentation !== "link") || scanned || !over) return false;
  const res = await deps.db.payment.updateMany({
    where: { id: latest.id, status: "PENDING" },
    data: { status: "CANCELLED" },
  });
  if (res.count !== 1) return false;
  await recordEvent(deps.db, {
    orderId: latest.orderId,
    paymentId: latest.id,
    type: "payment.superseded",
    source: "shopper",
    message: `the ${presentation} was not used in time: a fresh one`,
  });
  return true;
}

/**
 * Creates (or re-asks Kaspi for) the Kaspi payment of a reserved attempt. Only the holder of the
 * lease calls Kaspi; anyone else waits for the outcome. Kaspi answers a repeated externalId with
 * the payment it already has, so a lost answer is recovered instead of duplicated.
 */
export async function completeCreation(
  deps: StartPaymentDeps,
  paymentId: string,
  device?: PaymentDevice,
): Promise<Result<PaymentView>> {
  const { db, gateway } = deps;
  const now = new Date();
  const lease = await db.payment.updateMany({
    where: { id: paymentId, status: "CREATED", OR: [{ nextCheckAt: null }, { nextCheckAt: { lte: now } }] },
    data: { nextCheckAt: new Date(now.getTime() + deps.kaspiTimeoutMs * 3 + 5_000) },
  });
  if (lease.count !== 1) return waitForCreation(deps, paymentId);

  const payment = await db.payment.findUniqueOrThrow({ where: { id: paymentId }, include: { order: true } });
  const { order } = payment;
  const created = await gateway.createPayment({
    externalId: payment.kaspiExternalId,
    amount: payment.amount,
    description: order.description ?? `${deps.merchantName}: order ${order.accountNumber ?? order.externalId}`,
    ...(order.phone ? { phone: order.phone } : {}),
    redirectUrl: `${deps.appUrl}/pay/${order.checkoutToken}`,
    ...(order.returnUrl ? { returnUrl: order.returnUrl } : {}),
    callbackUrl: `${deps.appUrl}/api/kaspi/callback`,
    deviceId: order.id,
    account: order.accountNumber ?? order.externalId,
    ...(device ? { device } : {}),
  });
  const base = { orderId: order.id, paymentId, source: "kaspi.api" as const };

  if (!created.ok && created.error.kind === "rejected") {
    await failCreation(db, payment, created.error.message);
    // Kaspi's reason goes with it (e.g. an unknown Service): the shopper's page says the same plain
    // words in its language; whoever reads the API or the timeline sees why.
    return fail("KASPI_REJECTED", `Kaspi refused to create the payment: ${created.error.message}`, {
      attempt: payment.attempt,
    });
  }
  if (!created.ok) {
    // Kaspi may or may not have the payment: keep the attempt open and ask again later.
    const giveUpAt = payment.createdAt.getTime() + deps.paymentTtlSeconds * 1000;
    if (Date.now() > giveUpAt) {
      await failCreation(db, payment, `Kaspi never confirmed the payment: ${created.error.message}`);
    } else {
      await db.payment.updateMany({
        where: { id: paymentId, status: "CREATED" },
        data: { nextCheckAt: new Date(Date.now() + CREATION_RETRY_MS), lastError: created.error.message },
      });
      await recordEvent(db, {
        ...base,
        type: "payment.create_unconfirmed",
        message: created.error.message,
        data: { kind: created.error.kind },
      });
    }
    return fail("KASPI_UNAVAILABLE", "Kaspi is not answering; retrying", { attempt: payment.attempt });
  }

  const p = created.value;
  const clash = await db.payment.findUnique({ where: { kaspiPaymentId: p.kaspiPaymentId }, select: { id: true } });
  if (clash && clash.id !== paymentId) {
    await failCreation(db, payment, "Kaspi returned a payment id that belongs to another attempt");
    return fail("KASPI_REJECTED", "Kaspi answered with an unusable payment", { attempt: payment.attempt });
  }
  const expiresAt = p.expiresAt ?? new Date(Date.now() + deps.paymentTtlSeconds * 1000);
  await db.$transaction(async (tx) => {
    const res = await tx.payment.updateMany({
      where: { id: paymentId, status: "CREATED" },
      data: {
        status: "PENDING",
        kaspiPaymentId: p.kaspiPaymentId,
        paymentLink: p.paymentLink ?? null,
        qrFormat: p.qr?.format ?? null,
        qrValue: p.qr?.value ?? null,
        expiresAt,
        lastError: null,
        checkCount: 0,
        nextCheckAt: p.firstCheckAt ?? new Date(Date.now() + FIRST_CHECK_MS),
        kaspiMeta: p.meta ? JSON.stringify(p.meta) : null,
      },
    });
    if (res.count !== 1) return;
    await tx.order.updateMany({
      where: { id: order.id, status: { in: ["CREATED", "FAILED", "EXPIRED"] } },
      data: { status: "PENDING" },
    });
    await tx.order.updateMany({
      where: { id: order.id },
      data: { kaspiStage: null, kaspiLoan: p.loan ? JSON.stringify(p.loan) : null },
    });
    await recordEvent(tx, {
      ...base,
      type: "payment.created",
      message: `attempt ${payment.attempt}`,
      data: { kaspiPaymentId: p.kaspiPaymentId, expiresAt: expiresAt.toISOString() },
    });
  });
  orderChanged(order.id);
  return currentView(db, paymentId);
}

/** The reconciler's first look at a fresh payment, in case its callback never comes. */
export const FIRST_CHECK_MS = 15_000;

async function failCreation(db: Db, payment: PaymentRow, reason: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const res = await tx.payment.updateMany({
      where: { id: payment.id, status: "CREATED" },
      data: { status: "FAILED", lastError: reason, nextCheckAt: null },
    });
    if (res.count !== 1) return;
    await tx.order.updateMany({
      where: { id: payment.orderId, status: { in: ["CREATED", "FAILED", "EXPIRED"] } },
      data: { status: "FAILED" },
    });
    await recordEvent(tx, {
      orderId: payment.orderId,
      paymentId: payment.id,
      type: "payment.create_failed",
      source: "kaspi.api",
      message: reason,
    });
  });
  orderChanged(payment.orderId);
}

async function currentView(db: Db, paymentId: string): Promise<Result<PaymentView>> {
  const payment = await db.payment.findUniqueOrThrow({ where: { id: paymentId }, include: { order: true } });
  return ok(view(payment.order, payment));
}

// Another request holds the creation lease: wait (reading the database only) for its outcome.
async function waitForCreation(deps: StartPaymentDeps, paymentId: string): Promise<Result<PaymentView>> {
  const deadline = Date.now() + deps.kaspiTimeoutMs + 2_000;
  for (;;) {
    const payment = await deps.db.payment.findUniqueOrThrow({ where: { id: paymentId }, include: { order: true } });
    if (payment.status !== "CREATED") return ok(view(payment.order, payment));
    if (Date.now() > deadline) {
      return fail("KASPI_UNAVAILABLE", "Kaspi is not answering; retrying", { attempt: payment.attempt });
    }
    await sleep(150);
  }
}
