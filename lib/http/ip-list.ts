import { BlockList, isIP } from "node:net";

// Address lists (TRUSTED_PROXIES, KASPI_CHECKPAY_ALLOWED_IPS) and the walk through X-Forwarded-For.
// Both lists are parsed at start (lib/env.ts): a bad entry stops the app, naming the variable.

export function normalizeIp(ip: string): string {
  const v = ip.trim().replace(/^\[|\]$/g, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(v);
  return mapped?.[1] ?? v;
}

/** One parsed entry of an address list: an address, or a range when `prefix` is set. */
export type AddressEntry = { address: string; family: 4 | 6; prefix: number | null };

/** A decimal prefix length: "0" or digits without a leading zero (no "0x8", "1e1", " 24", "-0", "08"). */
const PREFIX = /^(0|[1-9][0-9]{0,2})$/;

/**
 * Parses one entry of an address list, strictly: an IPv4 or IPv6 address (IPv6 may be in
 * brackets; no zone id), optionally followed by `/` and a decimal prefix of 0–32 (IPv4) or 0–128
 * (IPv6). Nothing else is accepted: no surrounding or inner spaces, no empty or signed prefix, no
 * hex or exponent. Returns the entry, or the reason it is refused. Never throws.
 */
export function parseAddressEntry(raw: string): AddressEntry | { error: string } {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 64) return { error: "not an IP address or range" };
  const slash = raw.indexOf("/");
  if (slash !== raw.lastIndexOf("/")) return { error: "more than one '/'" };
  const addressPart = slash < 0 ? raw : raw.slice(0, slash);
  const bits = slash < 0 ? null : raw.slice(slash + 1);
  const bracketed = /^\[([^\]]*)\]$/.exec(addressPart);
  const address = bracketed ? (bracketed[1] as string) : addressPart;
  const family = isIP(address);
  if (family === 0 || address.includes("%") || (bracketed && family !== 6)) {
    return { error: "not an IPv4 or IPv6 address" };
  }
  if (bits === null) {
    // "::ffff:192.0.2.1" is kept as the IPv4 address it maps (clients are compared that way).
    const plain = normalizeIp(address);
    return { address: plain, family: isIP(plain) === 4 ? 4 : 6, prefix: null };
  }
  const max = family === 4 ? 32 : 128;
  if (!PREFIX.test(bits) || Number(bits) > max) {
    return { error: `the prefix after '/' must be a decimal number from 0 to ${max}` };
  }
  // An IPv4-mapped IPv6 range would never match (clients are compared as IPv4): refuse it.
  if (family === 6 && /^::ffff:/i.test(address) && isIP(normalizeIp(address)) === 4) {
    return { error: "an IPv4-mapped IPv6 range: write it as an IPv4 range" };
  }
  return { address, family: family === 4 ? 4 : 6, prefix: Number(bits) };
}

/**
 * A parsed list, one BlockList per family: node's BlockList matches an IPv4 address against IPv6
 * ranges that cover ::ffff:0:0/96 (so "::/1" would let every IPv4 address in); kept apart, an
 * IPv4 address is judged only by the IPv4 entries and an IPv6 address only by the IPv6 ones.
 */
export type AddressList = { readonly v4: BlockList; readonly v6: BlockList };

export class AddressListError extends Error {
  override name = "AddressListError";
  constructor(
    readonly entry: string,
    readonly reason: string,
  ) {
    super(`"${entry}" is refused: ${reason}`);
  }
}

/**
 * A list of addresses and CIDR ranges ("10.0.0.0/8", "2001:db8::/32"), parsed strictly by
 * parseAddressEntry. The first bad entry throws an AddressListError naming it. With
 * `allowEverything: false` a /0 range (every address of a family) is refused too.
 */
export function addressList(entries: readonly string[], options: { allowEverything?: boolean } = {}): AddressList {
  const list: AddressList = { v4: new BlockList(), v6: new BlockList() };
  for (const raw of entries) {
    const entry = parseAddressEntry(raw);
    if ("error" in entry) throw new AddressListError(raw, entry.error);
    if (entry.prefix === 0 && options.allowEverything === false) {
      throw new AddressListError(raw, "a /0 range would let every address in");
    }
    const type = entry.family === 6 ? "ipv6" : "ipv4";
    const blocks = entry.family === 6 ? list.v6 : list.v4;
    if (entry.prefix === null) blocks.addAddress(entry.address, type);
    else blocks.addSubnet(entry.address, entry.prefix, type);
  }
  return list;
}

/** A comma-separated list as written in an environment variable: entries trimmed, empty ones dropped. */
export function splitList(value: string): string[] {
  return value
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
}

export function inList(list: AddressList, ip: string): boolean {
  const addr = normalizeIp(ip);
  const family = isIP(addr);
  if (!family) return false;
  return family === 6 ? list.v6.check(addr, "ipv6") : list.v4.check(addr, "ipv4");
}

/**
 * The client's address: the TCP peer; when the peer is a trusted proxy, X-Forwarded-For is walked
 * right to left through trusted proxies and the first untrusted hop is the client. A client that
 * connects directly can send any X-Forwarded-For: it is never read then. Null when unknown.
 */
export function clientAddress(input: {
  peer: string | null;
  forwardedFor: string | null;
  trustedProxies: AddressList;
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
