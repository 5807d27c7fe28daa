import http from "node:http";

// Next's route handlers do not see the TCP peer, and Next fills X-Forwarded-For only when the
// client did not send one. So the Node server stamps every incoming request with its socket's
// address under a header no client can set (any copy the client sent is overwritten).

export const PEER_HEADER = "x-kaspi-checkout-peer";

const holder = globalThis as unknown as { __peerStamp?: boolean };

export function installPeerAddressStamp(): void {
  if (holder.__peerStamp) return;
  holder.__peerStamp = true;
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
    if (event === "request") {
      const req = args[0] as http.IncomingMessage | undefined;
      if (req) req.headers[PEER_HEADER] = req.socket.remoteAddress ?? "";
    }
    return (emit as (this: http.Server, e: string | symbol, ...a: unknown[]) => boolean).call(this, event, ...args);
  } as typeof emit;
}

/** The request's TCP peer, or null where the stamp is not installed (then nothing is trusted). */
export function peerAddressOf(request: Request): string | null {
  if (!holder.__peerStamp) return null;
  return request.headers.get(PEER_HEADER) || null;
}
