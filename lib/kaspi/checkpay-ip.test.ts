import { describe, expect, it } from "vitest";
import { addressList, clientAddress, inList } from "./checkpay-ip";

// Who counts as the caller of check/pay: the socket peer, or behind configured proxies the nearest
// untrusted X-Forwarded-For hop. A client can never pick its own address by sending the header.

const kaspi = addressList(["194.187.247.152", "10.20.0.0/16", "2001:db8::/32"]);
const proxies = addressList(["10.0.0.5", "10.0.0.6"]);

describe("allow-list", () => {
  it.each([
    ["194.187.247.152", true],
    ["::ffff:194.187.247.152", true],
    ["10.20.3.4", true],
    ["2001:db8::1", true],
    ["194.187.247.153", false],
    ["10.21.0.1", false],
    ["not-an-ip", false],
  ])("%s → %s", (ip, allowed) => {
    expect(inList(kaspi, ip)).toBe(allowed);
  });
  it("refuses a malformed configuration entry", () => {
    expect(() => addressList(["1.2.3"])).toThrow(/not an IPv4 or IPv6 address/);
  });
});

describe("clientAddress", () => {
  it.each([
    { name: "direct peer, no header", peer: "194.187.247.152", xff: null, client: "194.187.247.152" },
    { name: "direct peer ignores a forged header", peer: "203.0.113.9", xff: "194.187.247.152", client: "203.0.113.9" },
    { name: "trusted proxy: the hop it saw", peer: "10.0.0.5", xff: "194.187.247.152", client: "194.187.247.152" },
    {
      name: "trusted proxy: a forged left part is skipped",
      peer: "10.0.0.5",
      xff: "194.187.247.152, 203.0.113.9",
      client: "203.0.113.9",
    },
    { name: "two trusted proxies", peer: "10.0.0.5", xff: "194.187.247.152, 10.0.0.6", client: "194.187.247.152" },
    { name: "trusted proxy without a header", peer: "10.0.0.5", xff: null, client: "10.0.0.5" },
    { name: "garbage hop", peer: "10.0.0.5", xff: "evil", client: null },
    { name: "no peer known", peer: null, xff: "194.187.247.152", client: null },
  ])("$name", ({ peer, xff, client }) => {
    expect(clientAddress({ peer, forwardedFor: xff, trustedProxies: proxies })).toBe(client);
  });
});
