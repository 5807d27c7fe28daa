import { db } from "@/lib/db";

// Unique Bitrix order ids, and the rows of an order a test reads back. Free of route imports, so
// the use-case tests beside lib/ can use them as well as the route tests (through tests/helpers.ts).

let counter = 0;

/** A unique Bitrix order id per call. */
export function newExternalId(prefix = "ord"): string {
  counter++;
  return `${prefix}-${process.pid}-${Date.now()}-${counter}`;
}

export async function latestPayment(orderId: string) {
  return db().payment.findFirstOrThrow({ where: { orderId }, orderBy: { attempt: "desc" } });
}

export async function eventsOf(orderId: string) {
  return db().paymentEvent.findMany({ where: { orderId }, orderBy: { createdAt: "asc" } });
}

export async function outboxOf(orderId: string) {
  return db().outbox.findMany({ where: { orderId } });
}

export async function orderRow(orderId: string) {
  return db().order.findUniqueOrThrow({ where: { id: orderId } });
}
