import pino from "pino";
import { clientAddressOf } from "./http/client-address";
import { env } from "./env";

// Structured JSON logs. Secrets are redacted by path wherever they might appear; code never logs
// tokens, passwords or signatures on purpose, this is the safety net.

const REDACT = [
  "token",
  "secret",
  "password",
  "signature",
  "authorization",
  "*.token",
  "*.secret",
  "*.password",
  "*.signature",
  "*.authorization",
  "headers.authorization",
  'headers["x-signature"]',
  "*.KASPI_TOKEN",
  "*.BITRIX_SHARED_SECRET",
  'headers["api-key"]',
  "*.KASPI_QR_API_KEY",
  "*.KASPI_QR_CERT_PASSPHRASE",
  // Webkassa: the integrator's key header and the session token / password in request bodies.
  'headers["x-api-key"]',
  "Token",
  "Password",
  "*.Token",
  "*.Password",
  "*.apiKey",
  "*.WEBKASSA_API_KEY",
  "*.WEBKASSA_PASSWORD",
];

// One logger per process, on globalThis: Next bundles instrumentation.ts, proxy.ts and the routes
// separately, each with its own copy of lib/ (see instrumentation.ts).
const holder = globalThis as unknown as { __checkoutLog?: pino.Logger };

export function log(): pino.Logger {
  holder.__checkoutLog ??= pino({
    level: env().LOG_LEVEL,
    base: { service: "kaspi-checkout" },
    redact: { paths: REDACT, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
  return holder.__checkoutLog;
}

/** A logger carrying the request id that proxy.ts gave this request. */
export function requestLog(request: Request, route: string): pino.Logger {
  return log().child({
    requestId: request.headers.get("x-request-id") ?? undefined,
    route,
    client: clientAddressOf(request) ?? undefined,
  });
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : "unknown";
}
