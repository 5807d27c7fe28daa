import { PEER_HEADER, openServerEntryForTests, serverEntry } from "./server-entry";

// The request's TCP peer as server.mjs stamped it (lib/http/server-entry.ts). The stamp is
// trusted only in a process that server.mjs started: anywhere else a client could have sent the
// header itself, so there is no peer and nothing is trusted.

export { PEER_HEADER };

/** Something headers can be read from: a web `Headers`, or a node request's (lib/live/node-handler.ts). */
export type HeaderSource = { get(name: string): string | null };

/** The request's TCP peer, or null where server.mjs does not stamp requests (then nothing is trusted). */
export function peerAddressOf(headers: HeaderSource): string | null {
  if (!serverEntry()) return null;
  return headers.get(PEER_HEADER) || null;
}

/** Tests only: requests in this process carry the stamp (the tests set PEER_HEADER as server.mjs would). */
export function installPeerAddressStamp(): void {
  openServerEntryForTests();
}
