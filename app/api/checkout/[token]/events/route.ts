// GET /api/checkout/{token}/events — the checkout's status as Server-Sent Events: the current
// status, then every change, heartbeats, an end after a bounded lifetime (the browser reconnects
// with Last-Event-ID). server.mjs's fast path answers this path before Next in every mode
// (lib/live/node-handler.ts, behind the same gate); this handler answers what the fast path hands
// over (e.g. a GET with a body) and the route tests.
import { clientAddressOf } from "@/lib/http/client-address";
import { limitKeyOf } from "@/lib/http/ip-list";
import { errorOf, errorResponse, internalError } from "@/lib/http/responses";
import { SSE_HEADERS, parseLastEventId } from "@/lib/live/sse";
import { isRefusal, statusHub, streamRefusalError, type Subscription } from "@/lib/live/status-hub";
import { CHECKOUT_TOKEN } from "@/lib/payments/checkout-token";

export async function GET(request: Request, ctx: { params: Promise<{ token: string }> }): Promise<Response> {
  try {
    const { token } = await ctx.params;
    if (!CHECKOUT_TOKEN.test(token)) return errorOf("NOT_FOUND", "unknown checkout");
    const encoder = new TextEncoder();
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let subscription: Subscription | null = null;
    const address = clientAddressOf(request);
    const body = new ReadableStream<Uint8Array>({
      start: (c) => void (controller = c),
      cancel: () => subscription?.close(),
    });
    let closed = false;
    // The same caps as the production fast path: the hub counts every stream of this process.
    const opened = await statusHub().open(
      token,
      parseLastEventId(request.headers.get("last-event-id")),
      {
        write: (frame) => {
          if (!closed) controller.enqueue(encoder.encode(frame));
        },
        end: () => {
          if (!closed) controller.close();
          closed = true;
        },
      },
      address === null ? null : limitKeyOf(address),
    );
    if (!opened) return errorOf("NOT_FOUND", "unknown checkout");
    if (isRefusal(opened)) {
      const { code, message, headers } = streamRefusalError(opened);
      return errorResponse({ code, message }, headers);
    }
    subscription = opened;
    request.signal.addEventListener("abort", () => subscription?.close());
    return new Response(body, { headers: SSE_HEADERS });
  } catch (e) {
    return internalError("GET /api/checkout/{token}/events", e);
  }
}
