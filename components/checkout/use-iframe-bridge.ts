"use client";

import { useEffect, useRef, type RefObject } from "react";
import { isTerminal, type PaymentStatus } from "@/lib/payments/status";

export const HEIGHT_MESSAGE = "kaspi-checkout:height";
export const STATUS_MESSAGE = "kaspi-checkout:status";

export type CheckoutHeightMessage = { type: typeof HEIGHT_MESSAGE; height: number };
export type CheckoutStatusMessage = { type: typeof STATUS_MESSAGE; status: PaymentStatus; orderNumber: string };

function isFramed(): boolean {
  try {
    return window.self !== window.top;
  } catch {
    return true; // reading window.top can throw when a cross-origin parent forbids it
  }
}

/**
 * The parent's origin, only if it is one we were configured to talk to. Messages go to that exact
 * origin, never "*": the status of a payment is not for whoever happens to frame us.
 */
export function allowedParentOrigin(allowed: readonly string[]): string | null {
  if (!isFramed()) return null;
  let origin: string | undefined = window.location.ancestorOrigins?.[0];
  if (!origin && document.referrer) {
    try {
      origin = new URL(document.referrer).origin;
    } catch {
      origin = undefined;
    }
  }
  return origin && allowed.includes(origin) ? origin : null;
}

type Bridge = {
  rootRef: RefObject<HTMLElement | null>;
  parentOrigins: readonly string[];
  status: PaymentStatus;
  orderNumber: string;
};

// Tells the host page (Bitrix checkout) how tall we are and how the payment ended.
export function useIframeBridge({ rootRef, parentOrigins, status, orderNumber }: Bridge): void {
  const originsKey = parentOrigins.join(" ");

  useEffect(() => {
    if (!isFramed()) return;
    document.documentElement.dataset.framed = "true";
    const origin = allowedParentOrigin(originsKey.split(" "));
    const el = rootRef.current;
    if (!origin || !el) return;
    let last = -1;
    const post = () => {
      const height = Math.ceil(el.getBoundingClientRect().height);
      if (height === last) return;
      last = height;
      window.parent.postMessage({ type: HEIGHT_MESSAGE, height } satisfies CheckoutHeightMessage, origin);
    };
    post();
    const observer = new ResizeObserver(post);
    observer.observe(el);
    window.addEventListener("load", post);
    return () => {
      observer.disconnect();
      window.removeEventListener("load", post);
    };
  }, [rootRef, originsKey]);

  const posted = useRef<PaymentStatus | null>(null);
  useEffect(() => {
    if (!isTerminal(status) || posted.current === status) return;
    posted.current = status;
    const origin = allowedParentOrigin(originsKey.split(" "));
    if (!origin) return;
    window.parent.postMessage({ type: STATUS_MESSAGE, status, orderNumber } satisfies CheckoutStatusMessage, origin);
  }, [status, orderNumber, originsKey]);
}
