import type { Db } from "../db";
import { isUniqueViolation } from "../db";
import { fail, ok, type Result } from "../errors";
import { newId } from "../ids";
import type { KaspiGateway, PaymentDevice } from "../kaspi/gateway";
import type { PaymentView } from "./checkout-views";
import { isPaidLike, type PaymentStatus } from "./status";
import { recordEvent } from "./timeline";

export type StartPaymentDeps = {
  db: Db;
  gateway: KaspiGateway;
  appUrl: string;
  paymentTtlSeconds: number;
  kaspiTimeoutMs: number;
  merchantName: string;
};

type PaymentRow = Awaited<ReturnType<Db["payment"]["findFirst"]>> & {};
type OrderRow = Awaited<ReturnType<Db["order"]["findUnique"]>> & {};

const OPEN: PaymentStatus[] = ["CREATED", "PENDING"];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
  };
}

/** "qr" or "link" for protocols that present an attempt one way (Kaspi QR), from Payment.kaspiMeta. */
function presentationOf(payment: PaymentRow): "qr" | "link" | undefined {
  if (!payment.kaspiMeta) return undefined;
  const meta = JSON.parse(payment.kaspiMeta) as { presentation?: unknown };
  return meta.presentation === "qr" || meta.presentation === "link" ? meta.presentation : undefined;
}

// POST /api/checkout/{token}/payment: one Kaspi payment per attempt, whatever the clicks and
// reloads. The attempt row is reserved (unique orderId+attempt) before Kaspi is called, so a
// concurrent request waits for the winner's payment instead of creating a second one.
export async function startPayment(
  deps: StartPaymentDeps,
  input: { token: string; retryOf?: number; device?: PaymentDevice },
): Promise<Result<PaymentView>> {
  const { db } = deps;
  const order = await db.order.findUnique({ where: { checkoutToken: input.token } });
  if (!order) return fail("NOT_FOUND", "unknown checkout");
  const latest = await db.payment.findFirst({ where: { orderId: order.id }, orderBy: { attempt: "desc" } });
  const status = order.status as PaymentStatus;
  if (isPaidLike(status) || status === "CANCELLED") return ok(view(order, latest));

  if (latest && OPEN.includes(latest.status as PaymentStatus)) {
    const switched = input.device ? await supersedeForDevice(deps, latest, input.device) : false;
    if (!switched) return waitForPayment(deps, order.id, latest.id);
    return createAttempt(deps, order, latest.attempt + 1, input.device);
  }
  // A new attempt when there is none, when the shopper asks to retry this one, or when the order
  // was reset by Bitrix (amount changed: the order is CREATED again, its old attempts closed).
  const wantsNew = !latest || input.retryOf === latest.attempt || status === "CREATED";
  if (!wantsNew) return ok(view(order, latest));
  return createAttempt(deps, order, (latest?.attempt ?? 0) + 1, input.device);
}

// The shopper switched between "scan a QR" and "pay on this phone" (Kaspi QR makes a different
// payment for each). The open attempt is closed (only the attempt: the order stays PENDING) and a
// new one is made. The closed one keeps being polled until it expires, in case it is paid anyway.
async function supersedeForDevice(deps: StartPaymentDeps, latest: PaymentRow, device: PaymentDevice): Promise<boolean> {
  const current = presentationOf(latest);
  const wanted = device === "mobile" ? "link" : "qr";
  if (latest.status !== "PENDING" || current === undefined || current === wanted) return false;
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

async function createAttempt(
  deps: StartPaymentDeps,
  order: OrderRow,
  attempt: number,
  device?: PaymentDevice,
): Promise<Result<PaymentView>> {
  const { db, gateway } = deps;
  const kaspiExternalId = attempt === 1 ? order.externalId : `${order.externalId}#${attempt}`;
  let reserved: PaymentRow;
  try {
    reserved = await db.payment.create({
      data: {
        id: newId("pay"),
        orderId: order.id,
        attempt,
        protocol: gateway.protocol,
        kaspiExternalId,
        amount: order.amount,
        status: "CREATED",
      },
    });
  } catch (e) {
    if (!isUniqueViolation(e)) throw e;
    const winner = await db.payment.findFirst({ where: { orderId: order.id, attempt } });
    return winner ? waitForPayment(deps, order.id, winner.id) : fail("CONFLICT", "try again");
  }

  const created = await gateway.createPayment({
    externalId: kaspiExternalId,
    amount: order.amount,
    description: order.description ?? `${deps.merchantName}: order ${order.accountNumber ?? order.externalId}`,
    ...(order.phone ? { phone: order.phone } : {}),
    redirectUrl: `${deps.appUrl}/pay/${order.checkoutToken}`,
    callbackUrl: `${deps.appUrl}/api/kaspi/callback`,
    deviceId: order.id,
    account: order.accountNumber ?? order.externalId,
    ...(device ? { device } : {}),
  });

  if (!created.ok) {
    await db.$transaction(async (tx) => {
      await tx.payment.updateMany({
        where: { id: reserved.id, status: "CREATED" },
        data: { status: "FAILED", lastError: created.error.message },
      });
      await tx.order.updateMany({
        where: { id: order.id, status: { in: ["CREATED", "FAILED", "EXPIRED"] } },
        data: { status: "FAILED" },
      });
      await recordEvent(tx, {
        orderId: order.id,
        paymentId: reserved.id,
        type: "payment.create_failed",
        source: "kaspi.api",
        message: created.error.message,
        data: { kind: created.error.kind, httpStatus: created.error.httpStatus },
      });
    });
    return created.error.kind === "unavailable"
      ? fail("KASPI_UNAVAILABLE", "Kaspi is not answering; try again in a moment", { attempt })
      : fail("KASPI_REJECTED", "Kaspi refused to create the payment", { attempt });
  }

  const p = created.value;
  const expiresAt = p.expiresAt ?? new Date(Date.now() + deps.paymentTtlSeconds * 1000);
  const clash = await db.payment.findUnique({ where: { kaspiPaymentId: p.kaspiPaymentId }, select: { id: true } });
  if (clash) {
    await db.payment.updateMany({
      where: { id: reserved.id, status: "CREATED" },
      data: { status: "FAILED", lastError: "Kaspi returned a payment id that belongs to another attempt" },
    });
    await recordEvent(db, {
      orderId: order.id,
      paymentId: reserved.id,
      type: "payment.create_failed",
      source: "kaspi.api",
      message: "Kaspi returned a payment id that belongs to another attempt",
      data: { kaspiPaymentId: p.kaspiPaymentId },
    });
    return fail("KASPI_REJECTED", "Kaspi answered with an unusable payment", { attempt });
  }
  await db.$transaction(async (tx) => {
    await tx.payment.updateMany({
      where: { id: reserved.id, status: "CREATED" },
      data: {
        status: "PENDING",
        kaspiPaymentId: p.kaspiPaymentId,
        paymentLink: p.paymentLink ?? null,
        qrFormat: p.qr?.format ?? null,
        qrValue: p.qr?.value ?? null,
        expiresAt,
        nextCheckAt: p.firstCheckAt ?? expiresAt,
        kaspiMeta: p.meta ? JSON.stringify(p.meta) : null,
      },
    });
    await tx.order.updateMany({
      where: { id: order.id, status: { in: ["CREATED", "FAILED", "EXPIRED"] } },
      data: { status: "PENDING" },
    });
    await tx.order.updateMany({
      where: { id: order.id },
      data: { kaspiStage: null, kaspiLoan: p.loan ? JSON.stringify(p.loan) : null },
    });
    await recordEvent(tx, {
      orderId: order.id,
      paymentId: reserved.id,
      type: "payment.created",
      source: "kaspi.api",
      message: `attempt ${attempt}`,
      data: { kaspiPaymentId: p.kaspiPaymentId, expiresAt: expiresAt.toISOString() },
    });
  });
  return waitForPayment(deps, order.id, reserved.id);
}

// Reads the attempt until its Kaspi payment exists. A reservation left behind by a crashed
// request is failed after the Kaspi timeout has surely passed, so the shopper can try again.
async function waitForPayment(
  deps: StartPaymentDeps,
  orderId: string,
  paymentId: string,
): Promise<Result<PaymentView>> {
  const { db } = deps;
  const deadline = Date.now() + deps.kaspiTimeoutMs + 2_000;
  for (;;) {
    const [order, payment] = await Promise.all([
      db.order.findUniqueOrThrow({ where: { id: orderId } }),
      db.payment.findUniqueOrThrow({ where: { id: paymentId } }),
    ]);
    if (payment.status !== "CREATED") return ok(view(order, payment));
    const age = Date.now() - payment.createdAt.getTime();
    if (age > deps.kaspiTimeoutMs * 2 + 5_000) {
      const res = await db.payment.updateMany({
        where: { id: payment.id, status: "CREATED" },
        data: { status: "FAILED", lastError: "creation interrupted" },
      });
      if (res.count === 1) {
        await db.order.updateMany({
          where: { id: orderId, status: { in: ["CREATED", "PENDING"] } },
          data: { status: "FAILED" },
        });
        await recordEvent(db, {
          orderId,
          paymentId,
          type: "payment.create_failed",
          source: "system",
          message: "creation interrupted",
        });
      }
      continue;
    }
    if (Date.now() > deadline) return ok(view(order, payment));
    await sleep(150);
  }
}
