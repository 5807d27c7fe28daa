"use client";

import { useEffect, useLayoutEffect, useRef } from "react";
import { readStatusView } from "@/lib/payments/checkout-view-guards";
import type { StatusView } from "@/lib/payments/checkout-views";

// The checkout's status stream (GET /api/checkout/{token}/events, Server-Sent Events). EventSource
// reconnects by itself after the server ends a stream (bounded lifetime) or the network blips,
// sending Last-Event-ID. While it is not open, `onLive(false)` lets the react-query poll take over;
// when the server refuses the stream (429, 404, a proxy that cannot stream) the browser gives up,
// and we try again later while the poll carries on.

/** After the browser gave up on the stream: how long the poll alone carries the page. */
const REOPEN_MS = 15_000;

export function useStatusStream(
  token: string,
  options: { enabled: boolean; onView: (view: StatusView) => void; onLive: (live: boolean) => void },
): void {
  // The callbacks change every render; the stream must not be reopened for that.
  // A layout effect, so the stream's cleanup below (a passive effect) already sees this render's.
  const callbacks = useRef(options);
  useLayoutEffect(() => {
    callbacks.current = options;
  });
  const { enabled } = options;

  useEffect(() => {
    if (!enabled || typeof EventSource === "undefined") return;
    let source: EventSource | undefined;
    let reopen: ReturnType<typeof setTimeout> | undefined;
    const open = () => {
      source = new EventSource(`/api/checkout/${encodeURIComponent(token)}/events`);
      source.onopen = () => callbacks.current.onLive(true);
      source.addEventListener("status", (event) => {
        let data: unknown;
        try {
          data = JSON.parse((event as MessageEvent<string>).data);
        } catch {
          return;
        }
        const view = readStatusView(data);
        if (view) callbacks.current.onView(view);
      });
      source.onerror = () => {
        callbacks.current.onLive(false);
        if (source?.readyState === EventSource.CLOSED) {
          source.close();
          reopen = setTimeout(open, REOPEN_MS);
        }
      };
    };
    open();
    return () => {
      clearTimeout(reopen);
      source?.close();
      callbacks.current.onLive(false);
    };
  }, [token, enabled]);
}
