import type { Tx } from "../db";
import { newId } from "../ids";

// Writes a notification for Bitrix into the outbox inside the caller's transaction, so the row
// exists if and only if the state change that caused it commits (the transactional outbox).
// The delivery loop (delivery.ts) picks it up from there.

export type OutboxNotification = { event: string };

/**
 * The order a notification is about, as every notification names it; "sandbox" is the simulator's
 * money, which Bitrix refuses unless told to accept it.
 */
export function notifiedOrder(payment: { orderId: string; order: { externalId: string; mode: string } }): {
  mode: "live" | "sandbox";
  externalId: string;
  orderId: string;
} {
  return {
    mode: payment.order.mode === "live" ? "live" : "sandbox",
    externalId: payment.order.externalId,
    orderId: payment.orderId,
  };
}

export async function enqueueNotification(
  tx: Tx,
  input: {
    /** The store of the order (its notifications go to that store's Bitrix). */
    storeId: string;
    orderId: string;
    paymentId: string;
    notification: OutboxNotification;
    /** Unique per (payment, key): defaults to the event, so a payment is told "paid" once. */
    key?: string;
    now: Date;
    /** First due then instead of now: a notification waiting (boundedly) for its receipt's link. */
    notBefore?: Date;
  },
): Promise<void> {
  await tx.outbox.create({
    data: {
      id: newId("obx"),
      storeId: input.storeId,
      orderId: input.orderId,
      paymentId: input.paymentId,
      event: input.key ?? input.notification.event,
      payload: JSON.stringify(input.notification),
      nextAttemptAt: input.notBefore ?? input.now,
    },
  });
}
