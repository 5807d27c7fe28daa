import type { Db } from "../db";
import { fail, ok, type Result } from "../errors";
import type { KaspiGateway } from "../kaspi/gateway";
import { log } from "../log";
import { ecomStatusSchema, type EcomCallback } from "../kaspi/ecom-schemas";
import { mapEcomStatus } from "../kaspi/ecom-status";
import { applyKaspiStatus, type ApplyResult } from "./apply-status";
import { recentKaspiStatus, recheckSoon, sharedRead } from "./callback-coalescing";
import { isPaidLike, type PaymentStatus } from "./status";
import { recordEvent } from "./timeline";

export type CallbackOutcome = { kind: "applied"; result: ApplyResult } | { kind: "rejected"; reason: string };

// POST /api/kaspi/callback. The callback only says "look at this payment": its status is never
// applied. Kaspi's own GET decides, and must agree on externalId and amount.
export async function handleKaspiCallback(
  deps: { db: Db; gateway: KaspiGateway },
  callback: EcomCallback,
): Promise<Result<CallbackOutcome>> {
  const { db, gateway } = deps;
  const { paymentId: kaspiPaymentId, externalId, status: claimed } = callback.data;
  const payment = await db.payment.findUnique({ where: { kaspiPaymentId } });
  if (!payment) return fail("NOT_FOUND", "unknown paymentId");

  // Nothing from the body is written before Kaspi confirmed it: a forged callback leaves only a
  // short note, never its payload.
  const base = { orderId: payment.orderId, paymentId: payment.id, source: "kaspi.callback" as const };

  const reject = async (reason: string, data?: unknown): Promise<Result<CallbackOutcome>> => {
    await recordEvent(db, { ...base, type: "callback.rejected", message: reason, data });
    log().warn({ paymentId: payment.id, orderId: payment.orderId, kaspiPaymentId, reason }, "callback rejected");
    return ok({ kind: "rejected", reason });
  };

  if (externalId !== payment.kaspiExternalId) return reject("externalId does not match the payment");
  // Money already collected: no callback can change anything, so Kaspi is not asked again
  // (duplicates of the callback that paid it arrive by the dozen).
  if (isPaidLike(payment.status as PaymentStatus)) {
    return ok({ kind: "applied", result: { changed: false, current: payment.status as PaymentStatus } });
  }

  const claimedAs = ecomStatusSchema.safeParse(claimed);
  const recent = await recentKaspiStatus(db, payment.id);
  if (claimedAs.success && recent !== null && recent === mapEcomStatus(claimedAs.data)) {
    await recheckSoon(db, payment.id);
    return ok({ kind: "applied", result: { changed: false, current: payment.status as PaymentStatus } });
  }
  const verified = await sharedRead(gateway, kaspiPaymentId);
  if (!verified.ok) {
    await recordEvent(db, {
      ...base,
      source: "kaspi.api",
      type: "verification.failed",
      message: verified.error.message,
      data: { kind: verified.error.kind },
    });
    return fail("KASPI_UNAVAILABLE", "could not verify the payment with Kaspi; retry later");
  }
  const state = verified.value;
  await recordEvent(db, {
    ...base,
    source: "kaspi.api",
    type: "verification.result",
    message: `Kaspi says ${state.rawStatus}`,
    data: state,
  });
  if (state.externalId !== undefined && state.externalId !== payment.kaspiExternalId) {
    return reject("Kaspi's externalId does not match the payment", state);
  }
  if (state.status === "PAID" && state.amount !== undefined && state.amount !== payment.amount) {
    return reject(`Kaspi's amount ${state.amount} does not match ${payment.amount}`, state);
  }
  if (state.status === "PENDING") {
    if (claimed === "PENDING" || claimed === "CREATED" || claimed === "WAIT" || claimed === "PROCESSING") {
      await recordEvent(db, { ...base, type: "callback.received", message: `claims ${claimed}`, data: callback });
      return ok({ kind: "applied", result: { changed: false, current: payment.status as PaymentStatus } });
    }
    return reject(`callback claims ${claimed.slice(0, 40)} but Kaspi says ${state.rawStatus}`, state);
  }
  const claimedStatus = ecomStatusSchema.safeParse(claimed);
  if (!claimedStatus.success || mapEcomStatus(claimedStatus.data) !== state.status) {
    // Late or out-of-order message: noted, and Kaspi's answer is what gets applied.
    await recordEvent(db, {
      ...base,
      type: "callback.contradicted",
      message: `claims ${claimed.slice(0, 40)}, Kaspi says ${state.rawStatus}`,
    });
  } else {
    await recordEvent(db, { ...base, type: "callback.received", message: `claims ${claimed}`, data: callback });
  }
  const result = await applyKaspiStatus(db, {
    paymentId: payment.id,
    to: state.status,
    source: "kaspi.callback",
    data: { kaspiStatus: state.rawStatus, claimed },
  });
  return ok({ kind: "applied", result });
}
