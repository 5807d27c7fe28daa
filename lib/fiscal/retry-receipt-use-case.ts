import type { Db } from "../db";
import { fail, ok, type Result } from "../errors";
import { recordEvent } from "../payments/timeline";
import { RECEIPT_EVENTS } from "./enqueue-receipt";
import type { ReceiptView } from "./receipt-schemas";

// An admin's "Retry receipt" (POST /api/merchant/receipts/{id}/retry): a refused (FAILED) or held
// (HELD: the register stopped) receipt goes back to the queue, due now, with the same external
// number; a held one also lifts the register's stop — if the cause is still there, the next
// request meets it again and stops it again. An issued receipt is left as it is. Only a receipt of
// the admin's store: another store's is "no such receipt".

export async function retryReceipt(
  db: Db,
  storeId: string,
  receiptId: string,
  actor: { email: string },
): Promise<Result<ReceiptView>> {
  const receipt = await db.fiscalReceipt.findFirst({ where: { id: receiptId, storeId } });
  if (!receipt) return fail("NOT_FOUND", "no such receipt");
  if (receipt.status !== "ISSUED") {
    if (receipt.document === "null") {
      return fail("CONFLICT", receipt.lastError ?? "this receipt cannot be issued through the app");
    }
    await db.$transaction(async (tx) => {
      await tx.fiscalReceipt.updateMany({
        where: { id: receipt.id, status: { in: ["FAILED", "HELD", "PENDING"] } },
        data: { status: "PENDING", nextAttemptAt: new Date(), errorCode: null },
      });
      await tx.fiscalCashbox.updateMany({
        where: { id: receipt.cashbox },
        data: { blockedAt: null, blockedReason: null },
      });
      await recordEvent(tx, {
        orderId: receipt.orderId,
        paymentId: receipt.paymentId,
        type: RECEIPT_EVENTS.retried,
        source: "merchant",
        message: `${receipt.kind} receipt sent again by ${actor.email}`,
      });
    });
  }
  const now = await db.fiscalReceipt.findUniqueOrThrow({ where: { id: receiptId } });
  return ok({
    id: now.id,
    kind: now.kind as ReceiptView["kind"],
    status: now.status as ReceiptView["status"],
    checkNumber: now.checkNumber,
    ticketUrl: now.ticketUrl,
    lastError: now.lastError,
  });
}
