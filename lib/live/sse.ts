import type { StatusView } from "../payments/checkout-views";

// Server-Sent Events frames for the checkout's status stream (WHATWG HTML, "Server-sent events":
// `id:`, `event:`, `data:`, `retry:` fields, a blank line ends an event, a line starting with
// ":" is a comment the browser ignores — our heartbeat).

/** How long the browser waits before reconnecting after the stream ends (bounded lifetime). */
export const RETRY_MS = 1_000;

export const SSE_HEADERS = {
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-store",
  // Reverse proxies (nginx) buffer responses unless told not to; a buffered stream is no stream.
  "X-Accel-Buffering": "no",
} as const;

export const HEARTBEAT_FRAME = ": hb\n\n";

/**
 * The event id of a view: the same view gives the same id on every instance, so a browser that
 * resumes with Last-Event-ID against another instance is not sent what it already has.
 */
export function eventIdOf(view: StatusView): string {
  const text = JSON.stringify(view);
  // FNV-1a (32 bit) over the UTF-16 code units: short, stable, no crypto needed (not a secret).
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `${Date.parse(view.updatedAt).toString(36)}-${hash.toString(36)}`;
}

/** One `status` event; JSON has no raw newlines, so one `data:` line carries it. */
export function statusFrame(view: StatusView, id = eventIdOf(view)): string {
  return `id: ${id}\nevent: status\ndata: ${JSON.stringify(view)}\n\n`;
}

export function retryFrame(ms = RETRY_MS): string {
  return `retry: ${ms}\n\n`;
}

/** Last-Event-ID is client input: only a plausible id is kept. */
export function parseLastEventId(value: string | null | undefined): string | null {
  return value && /^[0-9a-z]{1,16}-[0-9a-z]{1,8}$/.test(value) ? value : null;
}
