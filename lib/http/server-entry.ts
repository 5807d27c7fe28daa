import type { IncomingMessage, ServerResponse } from "node:http";

// The hand-off between server.mjs — the one HTTP server of every mode (`npm start`, `npm run dev`,
// the e2e and process tests, the bench), plain JavaScript outside Next's bundles — and the code
// Next bundles. server.mjs puts an entry record on globalThis before Next starts; Next's start
// (instrumentation.ts → lib/node-services.ts) provides the handlers from its own bundle, and
// server.mjs hands every request to `serve`. A symbol on globalThis is the only channel: the
// server cannot import bundled code without loading a second copy of lib/.

/** Next's request handler (`app.getRequestHandler()`), for what the fast path does not answer. */
export type NextHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;
/** Answers a request itself (true) or leaves it alone (false). */
export type FastHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/** What Next's bundle hands server.mjs at start (lib/node-services.ts). */
export type EntryHandlers = {
  /** Every request: stamped with its peer, then the fast path or Next. */
  serve: (req: IncomingMessage, res: ServerResponse, next: NextHandler) => void;
  /** Called once the server listens. */
  listening: (address: { port: number }) => void;
  /** Ends what holds connections open (status streams) at shutdown. */
  close: () => void;
};

/** The record server.mjs puts on globalThis before Next starts. */
export type ServerEntry = {
  /** `--welcome` (npm start, npm run dev): the embedded default's welcome once the server listens. */
  welcome: boolean;
  /** Takes the handlers; server.mjs serves once it has them. */
  provide: (handlers: EntryHandlers) => void;
};

const ENTRY = Symbol.for("kaspi-checkout.server-entry");

/** This process's entry record, or undefined when the process was not started by server.mjs. */
export function serverEntry(): ServerEntry | undefined {
  return (globalThis as { [ENTRY]?: ServerEntry })[ENTRY];
}

/** Tests only: an entry record like server.mjs's (its handlers go nowhere: tests route themselves). */
export function openServerEntryForTests(): ServerEntry {
  const holder = globalThis as { [ENTRY]?: ServerEntry };
  holder[ENTRY] ??= { welcome: false, provide: () => {} };
  return holder[ENTRY];
}

/**
 * The TCP peer of a request, under a header no client can set: server.mjs stamps every request
 * (overwriting any copy the client sent) before anything else reads it. Next's route handlers do
 * not see the socket, and Next fills X-Forwarded-For only when the client sent none.
 */
export const PEER_HEADER = "x-kaspi-checkout-peer";

/** What server.mjs runs for every request: stamp the peer, then the fast path or Next. */
export function serveThrough(fast: FastHandler): EntryHandlers["serve"] {
  return (req, res, next) => {
    req.headers[PEER_HEADER] = req.socket.remoteAddress ?? "";
    if (!fast(req, res)) void next(req, res);
  };
}
