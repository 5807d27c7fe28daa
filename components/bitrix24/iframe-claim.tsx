"use client";

import { useEffect, useRef, useState } from "react";

// The IFRAME_DATA page inside Bitrix24's payment step. Bitrix24 posts the pay system's FIELDS plus
// BX_SYSTEM_PARAMS { PAYMENT_ID, PAYSYSTEM_ID, SUM, CURRENCY, RETURN_URL, EXTERNAL_PAYMENT_ID? }
// (RestHandler::getIframePayParams / getSystemParams). Only a message from the portal's own origin
// is a claim; it goes to the same endpoint as CHECKOUT_DATA, which confirms payment, pay system
// and sum over REST. Then the frame turns into our checkout (which keeps reporting its height), and
// meanwhile this page reports its own: Bitrix24 resizes the frame on { height } messages from the
// ACTION_URI's host.

type Queued = { origin: string; data: unknown };
type ClaimAnswer = { PAYMENT_URL?: string; PAYMENT_ERRORS?: string[] };

declare global {
  interface Window {
    __bx24q?: Queued[];
  }
}

function systemParamsOf(data: unknown): Record<string, unknown> | null {
  if (!data || typeof data !== "object") return null;
  const params = (data as { BX_SYSTEM_PARAMS?: unknown }).BX_SYSTEM_PARAMS;
  return params && typeof params === "object" ? (params as Record<string, unknown>) : null;
}

export function IframeClaim({ portalOrigin, checkoutKey }: { portalOrigin: string | null; checkoutKey: string }) {
  const rootRef = useRef<HTMLDivElement>(null);
  const claimed = useRef(false);
  const [state, setState] = useState<{ kind: "waiting" | "claiming" } | { kind: "error"; message: string }>({
    kind: "waiting",
  });

  useEffect(() => {
    if (!portalOrigin) return;
    const claim = async (message: Queued) => {
      if (claimed.current || message.origin !== portalOrigin) return;
      const params = systemParamsOf(message.data);
      if (!params) return;
      claimed.current = true;
      setState({ kind: "claiming" });
      const data = message.data as Record<string, unknown>;
      const phone = typeof data.KASPI_CHECKOUT_BUYER_PHONE === "string" ? data.KASPI_CHECKOUT_BUYER_PHONE : undefined;
      try {
        const res = await fetch(`/api/bitrix24/checkout?key=${encodeURIComponent(checkoutKey)}`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ BX_SYSTEM_PARAMS: params, ...(phone ? { KASPI_CHECKOUT_BUYER_PHONE: phone } : {}) }),
        });
        const answer = (await res.json()) as ClaimAnswer;
        if (answer.PAYMENT_URL && new URL(answer.PAYMENT_URL).origin === window.location.origin) {
          window.location.replace(answer.PAYMENT_URL);
          return;
        }
        setState({ kind: "error", message: answer.PAYMENT_ERRORS?.[0] ?? "Не удалось начать оплату через Kaspi." });
      } catch {
        setState({ kind: "error", message: "Оплата через Kaspi временно недоступна. Обновите страницу." });
      }
      claimed.current = false;
    };
    const onMessage = (e: MessageEvent) => void claim({ origin: e.origin, data: e.data });
    window.addEventListener("message", onMessage);
    for (const queued of window.__bx24q ?? []) void claim(queued);
    window.__bx24q = undefined;
    return () => window.removeEventListener("message", onMessage);
  }, [portalOrigin, checkoutKey]);

  useEffect(() => {
    const el = rootRef.current;
    if (!portalOrigin || !el || window.parent === window) return;
    const post = () =>
      window.parent.postMessage({ height: Math.ceil(el.getBoundingClientRect().height) + 16 }, portalOrigin);
    post();
    const observer = new ResizeObserver(post);
    observer.observe(el);
    return () => observer.disconnect();
  }, [portalOrigin, checkoutKey]);

  return (
    <div
      ref={rootRef}
      data-testid="bitrix24-iframe"
      data-state={state.kind}
      style={{ padding: 16, fontFamily: "system-ui, sans-serif" }}
    >
      {!portalOrigin ? (
        <p role="alert">Оплата через Kaspi не подключена к этому порталу Bitrix24.</p>
      ) : state.kind === "error" ? (
        <p role="alert" data-testid="bitrix24-iframe-error">
          {state.message}
        </p>
      ) : (
        <p aria-live="polite">Загрузка оплаты через Kaspi…</p>
      )}
    </div>
  );
}
