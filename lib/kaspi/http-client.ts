import { breakerFor } from "./circuit-breaker";
import type { KaspiError, KaspiResult } from "./gateway";

// One fetch for every Kaspi call, whatever the protocol: a timeout on each try, and retries with
// backoff only for calls that are safe to repeat (reads). Credentials travel in `headers` (or the
// TLS client certificate of `dispatcher`) and are never logged or echoed in errors.

export type KaspiRequest = {
  method: "GET" | "POST";
  url: string;
  /** Protocol headers, e.g. Authorization: Bearer … or Api-Key + X-Request-ID. */
  headers: Record<string, string>;
  body?: unknown;
  /** An undici Dispatcher (e.g. an Agent with the merchant's client certificate for mTLS). */
  dispatcher?: unknown;
  timeoutMs: number;
  /** Only for idempotent calls. */
  retries?: number;
  backoffMs?: number;
};

export type RawResponse = { status: number; json: unknown };

/** What came back, before any reading of it: the status and the body as text. */
export type RawText = { status: number; text: string };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function retryable(error: KaspiError): boolean {
  return error.kind === "unavailable";
}

/**
 * One exchange: the status and body, or "unavailable" when Kaspi may not have answered at all
 * (timeout, connection failure, interrupted body) or said so (5xx, 429). `redirect: "manual"`
 * hands a redirect back as it came (status 3xx) instead of failing; it is never followed.
 */
async function exchange(req: KaspiRequest & { redirect?: "error" | "manual" }): Promise<KaspiResult<RawText>> {
  let res: Response;
  try {
    const init: RequestInit & { dispatcher?: unknown } = {
      method: req.method,
      headers: {
        Accept: "application/json",
        ...(req.body === undefined ? {} : { "Content-Type": "application/json" }),
        ...req.headers,
      },
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      signal: AbortSignal.timeout(req.timeoutMs),
      cache: "no-store",
      // A redirect from Kaspi is never followed: the token would go wherever it points.
      redirect: req.redirect ?? "error",
      ...(req.dispatcher ? { dispatcher: req.dispatcher } : {}),
    };
    res = await fetch(req.url, init);
  } catch (e) {
    const timedOut = e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError");
    return {
      ok: false,
      error: { kind: "unavailable", message: timedOut ? `no answer within ${req.timeoutMs} ms` : "connection failed" },
    };
  }
  let text: string;
  try {
    text = await res.text();
  } catch {
    return { ok: false, error: { kind: "unavailable", message: "response interrupted", httpStatus: res.status } };
  }
  if (res.status >= 500 || res.status === 429) {
    return {
      ok: false,
      error: { kind: "unavailable", message: `Kaspi answered HTTP ${res.status}`, httpStatus: res.status },
    };
  }
  return { ok: true, value: { status: res.status, text } };
}

/** One exchange through the host's circuit breaker: only "unavailable" answers count as failures. */
export async function kaspiSend(req: KaspiRequest & { redirect?: "error" | "manual" }): Promise<KaspiResult<RawText>> {
  const breaker = breakerFor(req.url, undefined, req.method === "GET" ? "reads" : "writes");
  if (!breaker.tryAcquire()) {
    return {
      ok: false,
      error: {
        kind: "unavailable",
        message: `Kaspi is not answering; next try in ${Math.ceil(breaker.retryInMs() / 1000)} s`,
      },
    };
  }
  const result = await exchange(req);
  if (!result.ok) breaker.onFailure();
  else breaker.onSuccess();
  return result;
}

/** One try, read as JSON: a body that is not JSON, or a 4xx, is Kaspi's answer, not a failure to reach it. */
async function once(req: KaspiRequest): Promise<KaspiResult<RawResponse>> {
  const sent = await kaspiSend(req);
  if (!sent.ok) return sent;
  const { status, text } = sent.value;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: { kind: "invalid_response", message: "response is not JSON", httpStatus: status } };
  }
  if (status >= 400) {
    return { ok: false, error: { kind: "rejected", message: `Kaspi answered HTTP ${status}`, httpStatus: status } };
  }
  return { ok: true, value: { status, json } };
}

export async function kaspiFetch(req: KaspiRequest): Promise<KaspiResult<RawResponse>> {
  const retries = req.retries ?? 0;
  const backoff = req.backoffMs ?? 200;
  let result = await once(req);
  for (let attempt = 1; attempt <= retries && !result.ok && retryable(result.error); attempt++) {
    // Full jitter, so many callers retrying together do not arrive together.
    await sleep(Math.random() * backoff * 2 ** (attempt - 1));
    result = await once(req);
  }
  return result;
}
