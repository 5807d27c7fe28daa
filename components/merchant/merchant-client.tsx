"use client";

import { createContext, useContext, type ReactNode } from "react";
import type { MerchantLang } from "@/lib/merchant/i18n";

// What client components of the merchant area need from the server: the session's CSRF token
// (sent on every state-changing request) and the language.

type MerchantClient = { csrfToken: string; lang: MerchantLang };

const Context = createContext<MerchantClient>({ csrfToken: "", lang: "ru" });

export function MerchantClientProvider({ value, children }: { value: MerchantClient; children: ReactNode }) {
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useMerchantClient(): MerchantClient {
  return useContext(Context);
}

export type ApiError = { code: string; message: string; details?: unknown };
export type ApiAnswer<T> = { ok: true; status: number; body: T } | { ok: false; status: number; error: ApiError };

/** POST JSON to /api/merchant/* with the CSRF token; errors come back as values. */
export async function merchantPost<T>(path: string, csrfToken: string, body: unknown = {}): Promise<ApiAnswer<T>> {
  try {
    const res = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    const json = (await res.json().catch(() => null)) as unknown;
    if (res.ok) return { ok: true, status: res.status, body: json as T };
    const error = (json as { error?: ApiError } | null)?.error ?? {
      code: "HTTP_" + res.status,
      message: res.statusText,
    };
    return { ok: false, status: res.status, error };
  } catch {
    return { ok: false, status: 0, error: { code: "NETWORK", message: "network error" } };
  }
}
