import type { IncomingMessage, ServerResponse } from "node:http";
import { env } from "../env";
import { errorStatus, type ErrorCode } from "../errors";
import { clientAddressFrom } from "../http/client-address";
import { limitKeyOf } from "../http/ip-list";
import { answerKaspiCallback } from "../http/kaspi-callback";
import type { HeaderSource } from "../http/peer-address";
import { gate, refusalAnswer, requestIdFrom, type Refusal } from "../http/request-gate";
import type { FastHandler } from "../http/server-entry";
import { newCspNonce, securityHeaders } from "../http/security-headers";
import { errorMessage, log } from "../log";
import { CHECKOUT_TOKEN_SOURCE } from "../payments/checkout-token";
import { Slots } from "../slots";
import { SSE_HEADERS, parseLastEventId } from "./sse";
import { isRefusal, statusHub, streamRefusalError, type StatusHub } from "./status-hub";
import { readStatusSnapshot } from "./status-reader";

// The fast path: server.mjs offers it every request first (lib/http/server-entry.ts), and it
// answers the hottest paths itself on plain node:http, skipping Next's request pipeline (about
// 1.5 ms of CPU per request here, ~20× the whole read below):
//   GET /api/checkout/{token}/status  — the poll (the fallback when the stream is down)
//   GET /api/checkout/{token}/events  — the status stream (Server-Sent Events)
//   POST /api/kaspi/callback          — Kaspi's callbacks (a flood of them must not starve shoppers)
// It is an adapter, not a second copy of the rules: every request it takes passes the same gate
// as proxy.ts (lib/http/request-gate.ts: the policy table, the client address, the limits), and
// gets the route handlers' bodies, error shape, Cache-Control, security headers and X-Request-Id
// (tests/server/one-gate.test.ts holds the two to identical answers). Anything else about a status
// request (another method, a body, a token that is not token-shaped) goes to Next unchanged.
// The callback runs the route's own code (lib/http/kaspi-callback.ts) on a web Request made from
// the node request.

const STATUS_PATH = new RegExp(`^/api/checkout/(${CHECKOUT_TOKEN_SOURCE})/(status|events)$`);
const CALLBACK_PATH = "/api/kaspi/callback";

export function createLiveHandler(
  options: { hub?: StatusHub; /** Tests: a shorter wait for a callback body. */ callbackBodyDeadlineMs?: number } = {},
): FastHandler {
  const e = env();
  // Constant for these paths: computed once, not per request. These answers are JSON, never HTML:
  // no script runs under this nonce.
  const headersFor = (pathname: string): Record<string, string> =>
    securityHeaders({
      pathname,
      bitrixOrigins: e.bitrixOrigins,
      sandboxEnabled: e.sandboxEnabled,
      https: e.appUrl.startsWith("https://"),
      dev: e.NODE_ENV === "development",
      nonce: newCspNonce(),
    });
  const statusHeaders = { ...headersFor("/api/checkout"), "Cache-Control": "no-store" };
  const callbackHeaders = headersFor(CALLBACK_PATH);

  // Callbacks are handled a few at a time: a flood queues here instead of filling every turn of
  // the event loop, so the status reads between them stay quick. A callback takes its place only
  // once its body is in (a client that stalls mid-body holds nothing). Past the queue, 429 +
  // Retry-After.
  const callbackSlots = new Slots(CALLBACK_CONCURRENCY, CALLBACK_QUEUE);

  return (req, res) => {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const pathname = query < 0 ? url : url.slice(0, query);
    if (req.method === "POST" && pathname === CALLBACK_PATH) {
      const headers = { ...callbackHeaders, "X-Request-Id": requestIdFrom(headerOf(req, "x-request-id")) };
      const deadlineMs = options.callbackBodyDeadlineMs ?? CALLBACK_BODY_DEADLINE_MS;
      void callback(req, res, headers, { appUrl: e.appUrl, slots: callbackSlots, deadlineMs });
      return true;
    }
    if (req.method !== "GET" || req.headers["content-length"] || req.headers["transfer-encoding"]) return false;
    const match = STATUS_PATH.exec(pathname);
    if (!match) return false;
    const token = match[1] as string;
    const headers = { ...statusHeaders, "X-Request-Id": requestIdFrom(headerOf(req, "x-request-id")) };
    const source = headerSource(req);
    const refusal = gate({ method: "GET", pathname, headers: source });
    if (refusal) {
      sendRefusal(res, headers, refusal, pathname);
    } else if (match[2] === "status") {
      void status(res, headers, token);
    } else {
      const address = clientAddressFrom(source);
      void events(req, res, headers, token, address === null ? null : limitKeyOf(address), options.hub ?? statusHub());
    }
    return true;
  };
}

const CALLBACK_CONCURRENCY = 4;
const CALLBACK_QUEUE = 2_000;

/** Kaspi's callback body is at most this (lib/http/kaspi-callback.ts); one byte more is enough to refuse it. */
const CALLBACK_MAX_BYTES = 8 * 1024;
/** A callback body that has not arrived by then is refused (a stalled client holds no place). */
const CALLBACK_BODY_DEADLINE_MS = 10_000;

async function callback(
  req: IncomingMessage,
  res: ServerResponse,
  headers: Record<string, string>,
  { appUrl, slots, deadlineMs }: { appUrl: string; slots: Slots; deadlineMs: number },
): Promise<void> {
  try {
    // The gate first, as for any route: method, declared size, rate limit.
    const refusal = gate({ method: "POST", pathname: CALLBACK_PATH, headers: headerSource(req) });
    if (refusal) {
      req.resume(); // the body is not read: let it drain so the connection can be reused
      return sendRefusal(res, headers, refusal, CALLBACK_PATH);
    }
    const url = new URL(req.url ?? "/", appUrl);
    const requestHeaders = headersOf(req);
    const body = await readBody(req, CALLBACK_MAX_BYTES + 1, deadlineMs);
    if (body === "aborted") return;
    if (body === "late")
      return sendError(res, headers, "BAD_REQUEST", `the body did not arrive within ${deadlineMs} ms`);
    const admitted = slots.run(async () => {
      if (res.destroyed) return;
      const response = await answerKaspiCallback(
        new Request(url, { method: "POST", headers: requestHeaders, body: new Uint8Array(body) }),
      );
      const out: Record<string, string> = { ...headers };
      response.headers.forEach((value, name) => void (out[name] = value));
      const bytes = Buffer.from(await response.arrayBuffer());
      out["Content-Length"] = String(bytes.length);
      res.writeHead(response.status, out);
      res.end(bytes);
    });
    if (!admitted) {
      sendError(res, headers, "RATE_LIMITED", "too many callbacks at once; retry shortly", { "Retry-After": "1" });
    }
  } catch (error) {
    if (res.headersSent) res.end();
    else internal(res, headers, "POST /api/kaspi/callback", error);
  }
}

/** The node request's headers as the gate and the client address read them (repeated ones joined, as `Headers` does). */
function headerSource(req: IncomingMessage): HeaderSource {
  return {
    get(name) {
      const value = req.headers[name];
      return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
    },
  };
}

function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return headers;
}

/**
 * The body, at most `limit` bytes (the rest is drained: the reader refuses it as too large by what
 * it got), or "late" past the deadline, or "aborted" when the client went away.
 */
function readBody(req: IncomingMessage, limit: number, deadlineMs: number): Promise<Buffer | "late" | "aborted"> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (value: Buffer | "late" | "aborted") => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("close", onClose);
      if (value !== "aborted") req.resume();
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= limit) finish(Buffer.concat(chunks).subarray(0, limit));
    };
    const onEnd = () => finish(Buffer.concat(chunks));
    const onClose = () => finish(req.complete ? Buffer.concat(chunks) : "aborted");
    const timer = setTimeout(() => finish("late"), deadlineMs);
    timer.unref?.();
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("close", onClose);
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
  address: string | null,
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
    const subscription = await hub.open(token, parseLastEventId(headerOf(req, "last-event-id")), sink, address);
    if (!subscription) return sendError(res, headers, "NOT_FOUND", "unknown checkout");
    if (isRefusal(subscription)) {
      const refusal = streamRefusalError(subscription);
      return sendError(res, headers, refusal.code, refusal.message, refusal.headers);
    }
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

function sendRefusal(res: ServerResponse, headers: Record<string, string>, refusal: Refusal, pathname: string): void {
  const answer = refusalAnswer(refusal, pathname);
  res.writeHead(answer.status, { ...headers, ...answer.headers, "Content-Length": Buffer.byteLength(answer.body) });
  res.end(answer.body);
}

function sendJson(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  res.writeHead(status, {
    ...headers,
    "Content-Type": "application/json",
    "Cache-Control": "no-store",
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
