import type { Db } from "../db";
import { fail, ok, type Result } from "../errors";
import type { KaspiGateway } from "../kaspi/gateway";
import { applyKaspiStatus, type ApplyResult } from "./apply-status";
import type { PaymentStatus } from "./status";
import { recordEvent } from "./timeline";

export type RecheckOutcome = {
  kaspiStatus: string;
  result: ApplyResult | { changed: false; current: PaymentStatus; rejected: string };
};

// "Re-check with Kaspi" on the merchant's payment page: GET the status now and apply it through
// the same guarded transition a callback uses, with the same checks of externalId and amount. The
// payment must be of the merchant's store: another store's id is "no such payment".
export async function recheckPayment(
  deps: { db: Db; gateway: KaspiGateway; storeId: string },
  input: { paymentId: string; actorEmail: string },
): Promise<Result<RecheckOutcome>> {
  const { db, gateway } = deps;
  const payment = await db.payment.findFirst({ where: { id: input.paymentId, storeId: deps.storeId } });
  if (!payment) return fail("NOT_FOUND", "no such payment");
  if (!payment.kaspiPaymentId) return fail("CONFLICT", "Kaspi has no payment for this attempt yet");
  const base = { orderId: payment.orderId, paymentId: payment.id, source: "merchant" as const };
  await recordEvent(db, { ...base, type: "recheck.requested", message: `by ${input.actorEmail}` });

  const answer = await gateway.getPayment(payment.kaspiPaymentId);
  if (!answer.ok) {
    await recordEvent(db, {
      ...base,
      type: "verification.failed",
      message: answer.error.message,
      data: { kind: answer.error.kind },
    });
    return answer.error.kind === "rejected"
      ? fail("KASPI_REJECTED", `Kaspi refused: ${answer.error.message}`)
      : fail("KASPI_UNAVAILABLE", "Kaspi did not answer; try again in a minute");
  }
  const state = answer.value;
  await recordEvent(db, {
    ...base,
    type: "verification.result",
    message: `Kaspi says ${state.rawStatus}`,
    data: state,
  });
  const current = payment.status as PaymentStatus;
  const reject = async (reason: string) => {
    await recordEvent(db, { ...base, type: "recheck.rejected", message: reason });
    return ok<RecheckOutcome>({ kaspiStatus: state.rawStatus, result: { changed: false, current, rejected: reason } });
  };
  if (state.externalId !== undefined && state.externalId !== payment.kaspiExternalId) {
    return reject("Kaspi's externalId does not match the payment");
  }
  if (state.status === "PAID" && state.amount !== undefined && state.amount !== payment.amount) {
    return reject(`Kaspi's amount ${state.amount} does not match ${payment.amount}`);
  }
  const result = await applyKaspiStatus(db, {
    paymentId: payment.id,
    to: state.status,
    source: "merchant",
    data: { kaspiStatus: state.rawStatus },
  });
  return ok({ kaspiStatus: state.rawStatus, result });
}
