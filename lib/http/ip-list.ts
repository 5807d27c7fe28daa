import { BlockList, isIP } from "node:net";

// Address lists (TRUSTED_PROXIES, KASPI_GATEWAY_ALLOWED_IPS) and the walk through X-Forwarded-For.

export function normalizeIp(ip: string): string {
  const v = ip.trim().replace(/^\[|\]$/g, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(v);
  return mapped?.[1] ?? v;
}

/** A list of addresses and CIDR ranges ("10.0.0.0/8", "2001:db8::/32"). Invalid entries are errors. */
export function addressList(entries: string[]): BlockList {
  const list = new BlockList();
  for (const raw of entries) {
    const [addr = "", bits] = normalizeIp(raw).split("/");
    const family = isIP(addr);
    if (!family) throw new Error(`not an IP address or range: ${raw}`);
    const type = family === 6 ? "ipv6" : "ipv4";
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return list;
}

export function inList(list: BlockList, ip: string): boolean {
  const addr = normalizeIp(ip);
  const family = isIP(addr);
  if (!family) return false;
  return list.check(addr, family === 6 ? "ipv6" : "ipv4");
}

/**
 * The client's address: the TCP peer; when the peer is a trusted proxy, X-Forwarded-For is walked
 * right to left through trusted proxies and the first untrusted hop is the client. A client that
 * connects directly can send any X-Forwarded-For: it is never read then. Null when unknown.
 */
export function clientAddress(input: {
  peer: string | null;
  forwardedFor: string | null;
  trustedProxies: BlockList;
}): string | null {
  if (!input.peer) return null;
  let client = normalizeIp(input.peer);
  if (!inList(input.trustedProxies, client) || !input.forwardedFor) return client;
  const hops = input.forwardedFor
    .split(",")
    .map((h) => normalizeIp(h))
    .filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] ?? "";
    if (!isIP(hop)) return null;
    client = hop;
    if (!inList(input.trustedProxies, hop)) return client;
  }
  return client;
}

/**
 * The key a per-address limit counts under: IPv6 clients get a whole /64 each (one subscriber's
 * share), so rotating through one's own prefix does not multiply the allowance.
 */
export function limitKeyOf(address: string): string {
  if (isIP(address) !== 6) return address;
  const groups = expandIpv6(address);
  return groups ? `${groups.slice(0, 4).join(":")}::/64` : address;
}

function expandIpv6(address: string): string[] | null {
  const [head = "", tail] = address.toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  if (right.some((g) => g.includes(".")) || left.some((g) => g.includes("."))) return null;
  const missing = 8 - left.length - right.length;
  if (tail === undefined && left.length !== 8) return null;
  const groups = [...left, ...Array<string>(Math.max(0, missing)).fill("0"), ...right];
  return groups.map((g) => g.replace(/^0+(?=.)/, ""));
}
