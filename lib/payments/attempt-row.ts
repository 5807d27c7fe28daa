import { newId } from "../ids";

// A new payment attempt of an order is numbered after the latest one and named at Kaspi by its
// externalId: the order's own for the first attempt, "<externalId>#<n>" after it, so each attempt
// is a payment of its own at Kaspi while a repeated create of one attempt stays the same payment.

/** The columns every new attempt row starts with, for the order's current amount. */
export function newAttemptRow(
  order: { id: string; storeId: string; externalId: string; amount: number },
  latest: { attempt: number } | null,
) {
  const attempt = (latest?.attempt ?? 0) + 1;
  return {
    id: newId("pay"),
    storeId: order.storeId,
    orderId: order.id,
    attempt,
    kaspiExternalId: attempt === 1 ? order.externalId : `${order.externalId}#${attempt}`,
    amount: order.amount,
  };
}
