import { randomUUID } from "node:crypto";
import { env } from "../env";
import { errorStatus, type ErrorCode } from "../errors";
import { clientAddressFrom } from "./client-address";
import { limitKeyOf } from "./ip-list";
import type { HeaderSource } from "./peer-address";
import { RateLimiter } from "./rate-limit";
import { MAX_BODY_BYTES } from "./responses";
import { methodAllowed, policyFor, type RateGroup } from "./route-policy";

// The one gate every request passes, whichever code answers it: proxy.ts for what Next serves,
// and the fast path (lib/live/node-handler.ts) for what server.mjs answers before Next. Malformed
// paths, wrong methods, oversize bodies and floods are refused here by one policy table
// (lib/http/route-policy.ts), one client address (lib/http/client-address.ts) and one limiter.

export type Refusal = { code: ErrorCode; message: string; headers?: Record<string, string> };

/** What the gate reads of a request: a web Request fits, and so does the fast path's node request. */
export type GateRequest = { method: string; pathname: string; headers: HeaderSource };

// One limiter per process. Next requires the globalThis holder: it bundles proxy.ts and
// instrumentation.ts (which registers the fast path) separately, each with its own copy of this
// module, and both must count into the same windows.
const holder = globalThis as unknown as { __rateLimiter?: RateLimiter };

function limiter(): RateLimiter {
  holder.__rateLimiter ??= new RateLimiter();
  return holder.__rateLimiter;
}

/** Tests only: a fresh limiter (optionally with a small key budget). */
export function resetRateLimiterForTests(maxKeys?: number): RateLimiter {
  holder.__rateLimiter = new RateLimiter(Date.now, maxKeys);
  return holder.__rateLimiter;
}

// The per-minute limit of each group is its own variable, so one can be raised without the others.
const LIMIT_VARIABLE = {
  intake: "RATE_LIMIT_INTAKE",
  checkout: "RATE_LIMIT_CHECKOUT",
  status: "RATE_LIMIT_STATUS",
  callback: "RATE_LIMIT_CALLBACK",
  login: "RATE_LIMIT_LOGIN",
  bitrix24: "RATE_LIMIT_BITRIX24",
  sandbox: "RATE_LIMIT_SANDBOX",
} as const satisfies Record<Exclude<RateGroup, "none">, string>;

function limitFor(group: RateGroup): number {
  return group === "none" ? 0 : env()[LIMIT_VARIABLE[group]];
}

/** Every segment must percent-decode: a broken escape (e.g. %ff) is the client's error, not ours. */
export function malformedPath(pathname: string): boolean {
  try {
    for (const segment of pathname.split("/")) decodeURIComponent(segment);
    return false;
  } catch {
    return true;
  }
}

/** The refusal of a request, or null to let it through. */
export function gate(request: GateRequest): Refusal | null {
  const { method, pathname, headers } = request;
  if (malformedPath(pathname)) return { code: "BAD_REQUEST", message: "the path is not validly percent-encoded" };
  const policy = policyFor(pathname);
  if (!policy) return null;
  if (!methodAllowed(policy, method)) {
    return {
      code: "METHOD_NOT_ALLOWED",
      message: `${method} is not allowed here`,
      headers: { Allow: policy.methods.join(", ") },
    };
  }
  const declared = Number(headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) {
    return { code: "PAYLOAD_TOO_LARGE", message: `body must be at most ${MAX_BODY_BYTES} bytes` };
  }
  const perMinute = limitFor(policy.group);
  if (perMinute <= 0) return null;
  const subject =
    policy.key === "token"
      ? `token:${policy.pattern.exec(pathname)?.[1] ?? ""}`
      : `ip:${limitKeyOf(clientAddressFrom(headers) ?? "unknown")}`;
  const waitMs = limiter().hit(`${policy.group}:${subject}`, { perMinute });
  if (waitMs <= 0) return null;
  return {
    code: "RATE_LIMITED",
    message: "too many requests; slow down",
    headers: { "Retry-After": String(Math.ceil(waitMs / 1000)) },
  };
}

/**
 * A refusal as it is sent, by proxy.ts and the fast path alike: the JSON error shape under /api/
 * and on the table's paths, plain text on pages; never cached.
 */
export function refusalAnswer(
  refusal: Refusal,
  pathname: string,
): { status: number; headers: Record<string, string>; body: string } {
  const json = pathname.startsWith("/api/") || policyFor(pathname) !== undefined;
  return {
    status: errorStatus[refusal.code],
    headers: {
      "Content-Type": json ? "application/json" : "text/plain; charset=utf-8",
      "Cache-Control": "no-store",
      ...refusal.headers,
    },
    body: json ? JSON.stringify({ error: { code: refusal.code, message: refusal.message } }) : refusal.message,
  };
}

const REQUEST_ID = /^[\w.-]{8,64}$/;

/** The request's id: a well-formed incoming X-Request-Id is kept (Bitrix sends its own), else a new one. */
export function requestIdFrom(incoming: string | null | undefined): string {
  return incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}
