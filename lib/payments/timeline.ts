import type { Db, Tx } from "../db";
import { newId } from "../ids";

// The append-only timeline of an order and its payments. Events are only ever inserted.

export type EventSource = "bitrix" | "shopper" | "kaspi.callback" | "kaspi.api" | "system" | "merchant";

export type TimelineEvent = {
  orderId: string;
  paymentId?: string | null;
  type: string;
  source: EventSource;
  message?: string;
  data?: unknown;
};

export async function recordEvent(client: Db | Tx, event: TimelineEvent): Promise<void> {
  await client.paymentEvent.create({
    data: {
      id: newId("evt"),
      orderId: event.orderId,
      paymentId: event.paymentId ?? null,
      type: event.type,
      source: event.source,
      message: event.message ?? null,
      data: event.data === undefined ? null : JSON.stringify(event.data),
    },
  });
}
