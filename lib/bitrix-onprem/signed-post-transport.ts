import type { DeliveryOutcome, NotificationTransport } from "../outbox/transport";
import { signatureHeaders } from "./signature";

// The on-premise connector's outbox transport: the row's JSON POSTed to the Bitrix handler's
// notification URL, signed like every app → Bitrix request (signature.ts). Any 2xx is delivered.

export type SignedPostConfig = { url: string; secret: string; timeoutMs?: number };

export function signedPostTransport(config: SignedPostConfig): NotificationTransport {
  const timeoutMs = config.timeoutMs ?? 10_000;
  return async (row): Promise<DeliveryOutcome> => {
    try {
      const res = await fetch(config.url, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...signatureHeaders(config.secret, row.payload) },
        body: row.payload,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      return res.ok ? { ok: true, status: res.status } : { ok: false, error: `HTTP ${res.status}` };
    } catch (e) {
      const timedOut = e instanceof Error && e.name === "TimeoutError";
      return { ok: false, error: timedOut ? `no answer within ${timeoutMs} ms` : "connection failed" };
    }
  };
}
