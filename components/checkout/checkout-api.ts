import { readPaymentView, readStatusView } from "@/lib/payments/checkout-view-guards";
import type { PaymentView, StatusView } from "@/lib/payments/checkout-views";

// The browser side of the shopper checkout API: one fetch per route, read by guards that accept
// exactly what the server's schemas accept (lib/payments/checkout-view-guards.ts).

export const checkoutKeys = {
  all: ["checkout"] as const,
  status: (token: string) => [...checkoutKeys.all, token, "status"] as const,
  payment: (token: string) => [...checkoutKeys.all, token, "payment"] as const,
};

/** A failed API call: `code` is the server's error code, or NETWORK / BAD_RESPONSE for our own failures. */
export class CheckoutApiError extends Error {
  override name = "CheckoutApiError";
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus: number,
    /** The attempt the server says failed (KASPI_UNAVAILABLE / KASPI_REJECTED), for the retry. */
    readonly attempt?: number,
  ) {
    super(message);
  }
}

type ErrorBody = { error?: { code?: unknown; message?: unknown; details?: { attempt?: unknown } } };

async function request(url: string, init: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, {
      ...init,
      cache: "no-store",
      headers: { accept: "application/json", ...init.headers },
    });
  } catch {
    throw new CheckoutApiError("NETWORK", "network error", 0);
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = (body as ErrorBody | undefined)?.error;
    const attempt = error?.details?.attempt;
    throw new CheckoutApiError(
      typeof error?.code === "string" ? error.code : "HTTP_ERROR",
      typeof error?.message === "string" ? error.message : `HTTP ${response.status}`,
      response.status,
      typeof attempt === "number" ? attempt : undefined,
    );
  }
  return body;
}

function base(token: string): string {
  return `/api/checkout/${encodeURIComponent(token)}`;
}

/** Phones get a link that opens the Kaspi app; other screens a QR to scan with one. */
export function deviceHint(): "desktop" | "mobile" {
  if (typeof window === "undefined") return "desktop";
  const coarse = window.matchMedia?.("(pointer: coarse)").matches ?? false;
  return coarse || /Mobi|Android|iPhone|iPad/i.test(navigator.userAgent) ? "mobile" : "desktop";
}

export async function startPayment(
  token: string,
  retryOf?: number,
  device: "desktop" | "mobile" = deviceHint(),
): Promise<PaymentView> {
  const body = await request(`${base(token)}/payment`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(retryOf ? { retryOf, device } : { device }),
  });
  const view = readPaymentView(body);
  if (!view) throw new CheckoutApiError("BAD_RESPONSE", "unexpected payment response", 200);
  return view;
}

export async function fetchStatus(token: string, signal?: AbortSignal): Promise<StatusView> {
  const body = await request(`${base(token)}/status`, { method: "GET", ...(signal ? { signal } : {}) });
  const view = readStatusView(body);
  if (!view) throw new CheckoutApiError("BAD_RESPONSE", "unexpected status response", 200);
  return view;
}
