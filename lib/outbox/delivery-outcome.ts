// What one delivery attempt of an outbox row came to. Whether to try again is part of the type:
// `retry` rows come back after the backoff, `final` rows are never sent again (the store answered
// for good) and say so on the payment's timeline.

export type DeliveryOutcome =
  | { kind: "delivered"; status: number; detail?: string }
  | { kind: "retry"; error: string }
  | {
      kind: "final";
      error: string;
      /** Shown on the timeline and in the merchant list's needs-attention filter, when set. */
      attention?: AttentionReason;
    };

/** Why a payment needs a person: the timeline event type and its text. */
export const ATTENTION = {
  ORDER_CANCELLED: {
    type: "attention.order_cancelled",
    message: "paid, but the order was cancelled in Bitrix — refund",
  },
} as const;
export type AttentionReason = (typeof ATTENTION)[keyof typeof ATTENTION];
export const ATTENTION_EVENT_TYPES: string[] = Object.values(ATTENTION).map((a) => a.type);

/** The error code of a store's answer: `{ error: { code } }` (ours) or `{ error: "CODE" }`. */
function errorCodeOf(body: string): string | undefined {
  try {
    const json = JSON.parse(body) as { error?: unknown };
    if (typeof json.error === "string") return json.error;
    if (json.error && typeof json.error === "object" && "code" in json.error) {
      const code = (json.error as { code?: unknown }).code;
      return typeof code === "string" ? code : undefined;
    }
  } catch {
    // not JSON: judged by its status alone
  }
  return undefined;
}

/**
 * The on-premise handler's answer to a signed notification. 2xx = delivered. Two answers are
 * final: a sandbox payment the store refuses (422 SANDBOX_REFUSED) and a payment of an order the
 * store has cancelled (410 ORDER_CANCELLED: the sale module refuses it before the handler can
 * apply it, so no retry will ever succeed). Anything else may work later and is retried.
 */
export function outcomeOfStoreAnswer(status: number, body: string): DeliveryOutcome {
  if (status >= 200 && status < 300) return { kind: "delivered", status };
  const code = errorCodeOf(body);
  if (status === 422 && code === "SANDBOX_REFUSED") {
    return { kind: "final", error: "HTTP 422 SANDBOX_REFUSED: the store does not accept sandbox payments" };
  }
  if (status === 410 && code === "ORDER_CANCELLED") {
    return {
      kind: "final",
      error: "HTTP 410 ORDER_CANCELLED: the order is cancelled in Bitrix",
      attention: ATTENTION.ORDER_CANCELLED,
    };
  }
  return { kind: "retry", error: code ? `HTTP ${status} ${code}` : `HTTP ${status}` };
}
