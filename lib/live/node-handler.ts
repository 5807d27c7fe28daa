import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { env } from "../env";
import { errorStatus, type ErrorCode } from "../errors";
import { answerKaspiCallback } from "../http/kaspi-callback";
import { gate } from "../http/request-gate";
import { Slots } from "../slots";
import { RateLimiter } from "../http/rate-limit";
import { newCspNonce, securityHeaders } from "../http/security-headers";
import { errorMessage, log } from "../log";
import { SSE_HEADERS, parseLastEventId } from "./sse";
import { statusHub, type StatusHub } from "./status-hub";
import { readStatusSnapshot } from "./status-reader";

// The production server answers the hottest paths itself, on plain node:http, before Next's
// request pipeline (about 1.5 ms of CPU per request here, ~20× the whole read below):
//   GET /api/checkout/{token}/status  — the poll (the fallback when the stream is down)
//   GET /api/checkout/{token}/events  — the status stream (Server-Sent Events)
//   POST /api/kaspi/callback          — Kaspi's callbacks (a flood of them must not starve shoppers)
// with what proxy.ts and the route handlers under app/ give them: the same JSON bodies and error
// shape, Cache-Control no-store, the security headers (CSP frame-ancestors 'none', nosniff,
// Referrer-Policy, HSTS on https), X-Request-Id, and rate limits (per client address like
// proxy.ts, and per checkout token). Anything else about a status request (another method, a body,
// a token that is not token-shaped) goes to Next unchanged, so the edge cases keep one behaviour.
// The callback runs the route's own code (lib/http/kaspi-callback.ts) behind proxy.ts's own gate
// (lib/http/request-gate.ts), on a web Request made from the node request.

const PATH = /^\/api\/checkout\/([A-Za-z0-9_-]{16,64})\/(status|events)(?:\?.*)?$/;
const CALLBACK_PATH = /^\/api\/kaspi\/callback(?:\?.*)?$/;
const REQUEST_ID = /^[\w.-]{8,64}$/;

export type LiveHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export function createLiveHandler(options: { hub?: StatusHub } = {}): LiveHandler {
  const e = env();
  const limiter = new RateLimiter();
  const perMinute = e.RATE_LIMIT_CHECKOUT;
  // Constant for these paths: computed once, not per request.
  const fixed: Record<string, string> = {
    ...securityHeaders({
      pathname: "/api/checkout",
      bitrixOrigins: e.bitrixOrigins,
      sandboxEnabled: e.sandboxEnabled,
      https: e.appUrl.startsWith("https://"),
      dev: false,
      // These answers are JSON, never HTML: no script runs under this nonce.
      nonce: newCspNonce(),
    }),
    "Cache-Control": "no-store",
  };
  const callbackHeaders: Record<string, string> = securityHeaders({
    pathname: "/api/kaspi/callback",
    bitrixOrigins: e.bitrixOrigins,
    sandboxEnabled: e.sandboxEnabled,
    https: e.appUrl.startsWith("https://"),
    dev: false,
    nonce: newCspNonce(),
  });

  function limited(req: IncomingMessage, token: string): number {
    if (perMinute <= 0) return 0;
    // proxy.ts's rule: the last X-Forwarded-For hop (the one the nearest proxy added), else the peer.
    const forwarded = req.headers["x-forwarded-for"];
    const hops = typeof forwarded === "string" ? forwarded.split(",") : [];
    const address = hops.at(-1)?.trim() || req.socket.remoteAddress || "unknown";
    return Math.max(limiter.hit(`checkout:${address}`, { perMinute }), limiter.hit(`token:${token}`, { perMinute }));
  }

  // Callbacks are handled a few at a time: a flood queues here instead of filling every turn of
  // the event loop, so the status reads between them stay quick. Past the queue, 429 + Retry-After
  // (Kaspi retries a callback until it gets 200).
  const callbackSlots = new Slots(CALLBACK_CONCURRENCY, CALLBACK_QUEUE);

  return (req, res) => {
    if (req.method === "POST" && CALLBACK_PATH.test(req.url ?? "")) {
      const headers = { ...callbackHeaders, "X-Request-Id": requestIdOf(req) };
      const admitted = callbackSlots.run(() => callback(req, res, headers, e.appUrl));
      if (!admitted) {
        req.resume();
        sendError(res, headers, "RATE_LIMITED", "too many callbacks at once; retry shortly", { "Retry-After": "1" });
      }
      return true;
    }
    if (req.method !== "GET" || req.headers["content-length"] || req.headers["transfer-encoding"]) return false;
    const match = PATH.exec(req.url ?? "");
    if (!match) return false;
    const token = match[1] as string;
    const headers = { ...fixed, "X-Request-Id": requestIdOf(req) };
    const waitMs = limited(req, token);
    if (waitMs > 0) {
      sendError(res, headers, "RATE_LIMITED", "too many requests; slow down", {
        "Retry-After": String(Math.ceil(waitMs / 1000)),
      });
    } else if (match[2] === "status") {
      void status(res, headers, token);
    } else {
      void events(req, res, headers, token, options.hub ?? statusHub());
    }
    return true;
  };
}

export const CALLBACK_CONCURRENCY = 4;
export const CALLBACK_QUEUE = 2_000;

function requestIdOf(req: IncomingMessage): string {
  const incoming = req.headers["x-request-id"];
  return typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

async function callback(
  req: IncomingMessage,
  res: ServerResponse,
  headers: Record<string, string>,
  appUrl: string,
): Promise<void> {
  try {
    const request = webRequestOf(req, appUrl);
    const refusal = gate(request, "/api/kaspi/callback");
    if (refusal) {
      req.resume(); // the body is not read: let it drain so the connection can be reused
      return sendError(res, headers, refusal.code, refusal.message, refusal.headers);
    }
    const response = await answerKaspiCallback(request);
    const body = Buffer.from(await response.arrayBuffer());
    const out: Record<string, string> = { ...headers };
    response.headers.forEach((value, name) => void (out[name] = value));
    out["Content-Length"] = String(body.length);
    res.writeHead(response.status, out);
    res.end(body);
  } catch (error) {
    if (res.headersSent) res.end();
    else internal(res, headers, "POST /api/kaspi/callback", error);
  }
}

/** The node request as the web Request a route handler gets (headers as sent, body streamed). */
function webRequestOf(req: IncomingMessage, appUrl: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return new Request(new URL(req.url ?? "/", appUrl), {
    method: req.method,
    headers,
    body: bodyOf(req),
    duplex: "half",
  } as RequestInit);
}

/**
 * The request body as a web stream. Cancelling it (the reader's byte limit) drains the rest
 * instead of destroying the socket, so the client still gets its 413.
 */
function bodyOf(req: IncomingMessage): ReadableStream<Uint8Array> {
  const onData = (chunk: Buffer) => controller?.enqueue(new Uint8Array(chunk));
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      req.on("data", onData);
      req.once("end", () => controller?.close());
      req.once("error", (e) => controller?.error(e));
    },
    cancel() {
      req.off("data", onData);
      controller = undefined;
      req.resume();
    },
  });
}

async function status(res: ServerResponse, headers: Record<string, string>, token: string): Promise<void> {
  try {
    const snapshot = await readStatusSnapshot(token);
    if (!snapshot) return sendError(res, headers, "NOT_FOUND", "unknown checkout");
    sendJson(res, 200, headers, JSON.stringify(snapshot.view));
  } catch (error) {
    internal(res, headers, "GET /api/checkout/{token}/status", error);
  }
}

async function events(
  req: IncomingMessage,
  res: ServerResponse,
  headers: Record<string, string>,
  token: string,
  hub: StatusHub,
): Promise<void> {
  try {
    const sink = {
      write(frame: string) {
        if (!res.headersSent) res.writeHead(200, { ...headers, ...SSE_HEADERS });
        res.write(frame);
      },
      end: () => res.end(),
    };
    const subscription = await hub.open(token, parseLastEventId(headerOf(req, "last-event-id")), sink);
    if (!subscription) return sendError(res, headers, "NOT_FOUND", "unknown checkout");
    if (res.destroyed || req.socket.destroyed) return subscription.close();
    res.on("close", () => subscription.close());
  } catch (error) {
    if (res.headersSent) res.end();
    else internal(res, headers, "GET /api/checkout/{token}/events", error);
  }
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === "string" ? value : undefined;
}

function sendJson(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  res.writeHead(status, {
    ...headers,
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(body),
  });
  res.end(body);
}

function sendError(
  res: ServerResponse,
  headers: Record<string, string>,
  code: ErrorCode,
  message: string,
  extra: Record<string, string> = {},
): void {
  sendJson(res, errorStatus[code], { ...headers, ...extra }, JSON.stringify({ error: { code, message } }));
}

function internal(res: ServerResponse, headers: Record<string, string>, route: string, error: unknown): void {
  log().error({ route, error: errorMessage(error) }, "unhandled error");
  sendError(res, headers, "INTERNAL", "internal error");
}
