// The port every connector implements to deliver an outbox row to its Bitrix: the on-premise
// signed POST (lib/bitrix-onprem/signed-post-transport.ts) and Bitrix24's REST calls
// (lib/bitrix24/pay-payment-transport.ts). The delivery loop (delivery.ts) owns leases, retries
// and the timeline; a transport only says how one attempt went.

import type { DeliveryOutcome } from "./delivery-outcome";

export type { DeliveryOutcome } from "./delivery-outcome";

/** What a transport sees of an outbox row. */
export type OutboxMessage = {
  event: string;
  payload: string;
  orderId: string;
  paymentId: string;
  /** The store the row belongs to (lib/stores/store-id.ts): picks the Bitrix it goes to. */
  storeId?: string;
};

/** Delivers one row; a thrown error counts as a failed attempt. */
export type NotificationTransport = (row: OutboxMessage) => Promise<DeliveryOutcome>;
