import { NextRequest } from "next/server";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resetEnvForTests } from "@/lib/env";
import { limitKeyOf } from "@/lib/http/ip-list";
import { PEER_HEADER, installPeerAddressStamp } from "@/lib/http/peer-address";
import { RateLimiter } from "@/lib/http/rate-limit";
import { resetRateLimiterForTests } from "@/lib/http/request-gate";
import { clientAddress } from "@/lib/merchant/request-auth";
import { proxy } from "@/proxy";

// Issue "one client address, from the socket": X-Forwarded-For counts only from TRUSTED_PROXIES,
// the limiter's memory is bounded without resetting everyone, status polls are limited per token.

installPeerAddressStamp();

function from(peer: string, path: string, init: { method?: string; xff?: string } = {}) {
  return new NextRequest(`http://app.test${path}`, {
    method: init.method ?? "POST",
    headers: { [PEER_HEADER]: peer, ...(init.xff ? { "x-forwarded-for": init.xff } : {}) },
  });
}

function configure(vars: Record<string, string>) {
  Object.assign(process.env, vars);
  resetEnvForTests();
  resetRateLimiterForTests();
}

const touched = ["RATE_LIMIT_CALLBACK", "RATE_LIMIT_STATUS", "TRUSTED_PROXIES", "KASPI_GATEWAY_TRUSTED_PROXIES"];
beforeEach(() => configure({}));
afterEach(() => {
  for (const k of touched) delete process.env[k];
  configure({});
});

describe("the client address", () => {
  it("a direct client cannot pick its address with X-Forwarded-For (spoofed hops are ignored)", () => {
    configure({ RATE_LIMIT_CALLBACK: "3" });
    const statuses = Array.from(
      { length: 6 },
      (_, i) => proxy(from("203.0.113.9", "/api/kaspi/callback", { xff: `198.51.100.${i}` })).status,
    );
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
    expect(clientAddress(from("203.0.113.9", "/x", { xff: "1.2.3.4" }))).toBe("203.0.113.9");
  });

  it("behind a trusted proxy, the nearest untrusted hop is the client (walked right to left)", () => {
    configure({ TRUSTED_PROXIES: "10.0.0.0/24,10.1.0.5" });
    expect(clientAddress(from("10.0.0.7", "/x", { xff: "6.6.6.6, 198.51.100.4, 10.1.0.5" }))).toBe("198.51.100.4");
    expect(clientAddress(from("10.0.0.7", "/x"))).toBe("10.0.0.7");
    // Not from the proxy: the header is the client's own words.
    expect(clientAddress(from("198.51.100.9", "/x", { xff: "10.0.0.1" }))).toBe("198.51.100.9");
  });

  it("KASPI_GATEWAY_TRUSTED_PROXIES, the first name of TRUSTED_PROXIES, is still read (with a warning at start)", () => {
    configure({ KASPI_GATEWAY_TRUSTED_PROXIES: "10.0.0.7" });
    expect(clientAddress(from("10.0.0.7", "/x", { xff: "198.51.100.4" }))).toBe("198.51.100.4");
  });

  it("IPv6 clients are limited per /64", () => {
    expect(limitKeyOf("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(limitKeyOf("2001:db8:1:2:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64");
    expect(limitKeyOf("198.51.100.4")).toBe("198.51.100.4");
  });
});

describe("limiter memory", () => {
  it("stays bounded under a flood of distinct keys without resetting a limited client", () => {
    let now = 0;
    const limiter = new RateLimiter(() => now, 1_000);
    const limit = { perMinute: 3 };
    for (let i = 0; i < 4; i++) limiter.hit("abuser", limit);
    expect(limiter.hit("abuser", limit)).toBeGreaterThan(0);
    now = 1;
    for (let i = 0; i < 100_000; i++) {
      limiter.hit(`random-${i}`, limit);
      if (i % 500 === 0) expect(limiter.hit("abuser", limit)).toBeGreaterThan(0);
    }
    expect(limiter.size).toBeLessThanOrEqual(1_000);
    expect(limiter.hit("abuser", limit)).toBeGreaterThan(0);
  });
});

describe("status polls", () => {
  it("are limited per checkout token, not per address (CGNAT)", () => {
    configure({ RATE_LIMIT_STATUS: "5" });
    const poll = (peer: string, token: string) =>
      proxy(from(peer, `/api/checkout/${token}/status`, { method: "GET" })).status;
    // 40 shoppers behind one carrier address, 5 polls each: none limited.
    for (let s = 0; s < 40; s++) {
      for (let i = 0; i < 5; i++) expect(poll("100.64.0.1", `token-of-shopper-${s}-0000`)).not.toBe(429);
    }
    // One token polled too fast is limited, from whatever address.
    expect(poll("198.51.100.1", "token-of-shopper-0-0000")).toBe(429);
  });
});
