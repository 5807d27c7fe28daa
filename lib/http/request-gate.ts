import { env } from "../env";
import type { ErrorCode } from "../errors";
import { clientAddressOf } from "./client-address";
import { limitKeyOf } from "./ip-list";
import { RateLimiter } from "./rate-limit";
import { MAX_BODY_BYTES } from "./responses";
import { methodAllowed, policyFor, type RateGroup } from "./route-policy";

// What proxy.ts refuses before any handler runs: malformed paths, wrong methods, oversize bodies
// and floods. Returns the refusal (code, message, headers) or null to let the request through.

export type Refusal = { code: ErrorCode; message: string; headers?: Record<string, string> };

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

export function gate(request: Request, pathname: string): Refusal | null {
  if (malformedPath(pathname)) return { code: "BAD_REQUEST", message: "the path is not validly percent-encoded" };
  const policy = policyFor(pathname);
  if (!policy) return null;
  if (!methodAllowed(policy, request.method)) {
    return {
      code: "METHOD_NOT_ALLOWED",
      message: `${request.method} is not allowed here`,
      headers: { Allow: policy.methods.join(", ") },
    };
  }
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) {
    return { code: "PAYLOAD_TOO_LARGE", message: `body must be at most ${MAX_BODY_BYTES} bytes` };
  }
  const perMinute = limitFor(policy.group);
  if (perMinute <= 0) return null;
  const subject =
    policy.key === "token"
      ? `token:${policy.pattern.exec(pathname)?.[1] ?? ""}`
      : `ip:${limitKeyOf(clientAddressOf(request) ?? "unknown")}`;
  const waitMs = limiter().hit(`${policy.group}:${subject}`, { perMinute });
  if (waitMs <= 0) return null;
  return {
    code: "RATE_LIMITED",
    message: "too many requests; slow down",
    headers: { "Retry-After": String(Math.ceil(waitMs / 1000)) },
  };
}
