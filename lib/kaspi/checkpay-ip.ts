import { BlockList, isIP } from "node:net";

// The check/pay protocol carries no signature: the caller's address is the only guard. The peer
// address comes from the socket (lib/http/peer-address.ts); X-Forwarded-For is read only when the
// peer is one of the configured proxies, from the right, skipping further trusted proxies.

function normalize(ip: string): string {
  const v = ip.trim().replace(/^\[|\]$/g, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(v);
  return mapped?.[1] ?? v;
}

/** A list of addresses and CIDR ranges ("10.0.0.0/8", "2001:db8::/32"). Invalid entries are errors. */
export function addressList(entries: string[]): BlockList {
  const list = new BlockList();
  for (const raw of entries) {
    const [addr = "", bits] = normalize(raw).split("/");
    const family = isIP(addr);
    if (!family) throw new Error(`not an IP address or range: ${raw}`);
    const type = family === 6 ? "ipv6" : "ipv4";
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return list;
}

export function inList(list: BlockList, ip: string): boolean {
  const addr = normalize(ip);
  const family = isIP(addr);
  if (!family) return false;
  return list.check(addr, family === 6 ? "ipv6" : "ipv4");
}

/** The client's address: the peer, or, behind trusted proxies, the nearest untrusted X-Forwarded-For hop. */
export function clientAddress(input: {
  peer: string | null;
  forwardedFor: string | null;
  trustedProxies: BlockList;
}): string | null {
  if (!input.peer) return null;
  let client = normalize(input.peer);
  if (!inList(input.trustedProxies, client) || !input.forwardedFor) return client;
  const hops = input.forwardedFor
    .split(",")
    .map((h) => normalize(h))
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] ?? "";
    if (!isIP(hop)) return null;
    client = hop;
    if (!inList(input.trustedProxies, hop)) return client;
  }
  return client;
}
