import { outcomeOfStoreAnswer } from "../outbox/delivery-outcome";
import type { DeliveryOutcome, NotificationTransport } from "../outbox/transport";
import { signatureHeaders, targetOf } from "./signature";

// The on-premise connector's outbox transport: the row's JSON POSTed to the Bitrix handler's
// notification URL, signed like every app → Bitrix request (signature.ts). Any 2xx is delivered;
// 422 SANDBOX_REFUSED and 410 ORDER_CANCELLED are final.

export type SignedPostConfig = { url: string; secret: string; timeoutMs?: number };

export function signedPostTransport(config: SignedPostConfig): NotificationTransport {
  const timeoutMs = config.timeoutMs ?? 10_000;
  return async (row): Promise<DeliveryOutcome> => {
    try {
      const res = await fetch(config.url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          ...signatureHeaders(config.secret, { method: "POST", target: targetOf(config.url), body: row.payload }),
        },
        body: row.payload,
        signal: AbortSignal.timeout(timeoutMs),
        // A redirect is an answer, not a place to send the signed payload again.
        redirect: "manual",
      });
      // The answer's error code decides whether a refusal is final (outcomeOfStoreAnswer).
      return outcomeOfStoreAnswer(res.status, await res.text().catch(() => ""));
    } catch (e) {
      const timedOut = e instanceof Error && e.name === "TimeoutError";
      return { kind: "retry", error: timedOut ? `no answer within ${timeoutMs} ms` : "connection failed" };
    }
  };
}
