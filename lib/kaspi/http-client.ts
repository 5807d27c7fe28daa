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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function retryable(error: KaspiError): boolean {
  return error.kind === "unavailable";
}

async function once(req: KaspiRequest): Promise<KaspiResult<RawResponse>> {
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
      redirect: "error",
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
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: { kind: "invalid_response", message: "response is not JSON", httpStatus: res.status } };
  }
  if (res.status >= 400) {
    return {
      ok: false,
      error: { kind: "rejected", message: `Kaspi answered HTTP ${res.status}`, httpStatus: res.status },
    };
  }
  return { ok: true, value: { status: res.status, json } };
}

/** One try through the host's circuit breaker: only "unavailable" answers count as failures. */
async function guarded(req: KaspiRequest): Promise<KaspiResult<RawResponse>> {
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
  const result = await once(req);
  if (!result.ok && result.error.kind === "unavailable") breaker.onFailure();
  else breaker.onSuccess();
  return result;
}

export async function kaspiFetch(req: KaspiRequest): Promise<KaspiResult<RawResponse>> {
  const retries = req.retries ?? 0;
  const backoff = req.backoffMs ?? 200;
  let result = await guarded(req);
  for (let attempt = 1; attempt <= retries && !result.ok && retryable(result.error); attempt++) {
    // Full jitter, so many callers retrying together do not arrive together.
    await sleep(Math.random() * backoff * 2 ** (attempt - 1));
    result = await guarded(req);
  }
  return result;
}
