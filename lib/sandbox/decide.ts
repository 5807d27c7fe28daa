import type { Db } from "../db";
import { sandboxCheckpayConfirm, type CheckpayCall } from "./checkpay-service";
import { sandboxReadPayment, sendSandboxCallback, type CallbackOptions, type DecideResult } from "./sandbox-service";

// The shopper's decision in the simulated Kaspi app, for every protocol: here, above both the
// eCommerce simulator (sandbox-service.ts) and the check/pay one (checkpay-service.ts), so
// neither imports the other back.

/** The shopper confirms or declines in the "Kaspi app". */
export async function sandboxDecide(
  db: Db,
  id: string,
  decision: "COMPLETED" | "FAILED",
  opts: CallbackOptions = {},
): Promise<DecideResult & { calls?: CheckpayCall[] }> {
  const payment = await sandboxReadPayment(db, id);
  if (!payment) return { ok: false, status: 404, code: "NOT_FOUND", message: "unknown payment" };
  // check/pay: confirming means Kaspi calls the store (check, then pay) and follows its answer.
  if (payment.protocol === "checkpay" && decision === "COMPLETED") return sandboxCheckpayConfirm(db, payment);
  const res = await db.sandboxPayment.updateMany({ where: { id, status: "PENDING" }, data: { status: decision } });
  if (res.count !== 1) {
    return { ok: false, status: 409, code: "NOT_PENDING", message: `payment is ${payment.status}` };
  }
  const decided = { ...payment, status: decision };
  if (opts.skipCallback) return { ok: true, payment: decided, callbackStatuses: [] };
  const send = () => sendSandboxCallback(db, decided, decision, opts.duplicates ?? 1);
  if (opts.callbackDelayMs) {
    setTimeout(() => void send(), opts.callbackDelayMs);
    return { ok: true, payment: decided, callbackStatuses: [] };
  }
  return { ok: true, payment: decided, callbackStatuses: await send() };
}
