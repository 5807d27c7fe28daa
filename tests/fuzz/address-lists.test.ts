import fc from "fast-check";
import { afterAll, describe, expect, it, vi } from "vitest";
import { EnvError, parseEnv } from "@/lib/env";
import { AddressListError, addressList, inList, parseAddressEntry } from "@/lib/http/ip-list";
import { FuzzCounter, nastyString, runs } from "./support";

vi.setConfig({ testTimeout: 240_000 });

// Address lists decide who may call check/pay (the only guard of a protocol without a signature)
// and whose X-Forwarded-For is believed. A typo such as "194.187.247.152/" once became a /0 range
// that let every address in. Properties: the parser never throws on any input; anything but
// "address[/decimal prefix in range]" is refused; and a list matches exactly the addresses its
// valid entries cover, compared with a reference written here with BigInt masks.

const counter = new FuzzCounter("address lists");
afterAll(() => counter.report());

type Ref = { bits: bigint; width: 32 | 128; prefix: number };

const ipv4 = fc.tuple(...Array.from({ length: 4 }, () => fc.integer({ min: 0, max: 255 }))).map((b) => b.join("."));
const group = fc.integer({ min: 0, max: 0xffff });
const ipv6Groups = fc.tuple(...Array.from({ length: 8 }, () => group));
/** Full form, or with the longest run of zero groups written as "::" (RFC 5952's shape). */
const ipv6 = fc
  .tuple(ipv6Groups, fc.boolean(), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1, max: 8 }))
  .map(([groups, compress, at, length]) => {
    const g = groups.slice();
    if (!compress) return g.map((x) => x.toString(16)).join(":");
    const end = Math.min(8, at + length);
    for (let i = at; i < end; i++) g[i] = 0;
    const head = g
      .slice(0, at)
      .map((x) => x.toString(16))
      .join(":");
    const tail = g
      .slice(end)
      .map((x) => x.toString(16))
      .join(":");
    return `${head}::${tail}`;
  });

function toBits(address: string): { bits: bigint; width: 32 | 128 } {
  if (address.includes(".")) {
    return { bits: address.split(".").reduce((acc, b) => (acc << 8n) | BigInt(b), 0n), width: 32 };
  }
  const [head = "", tail] = address.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups =
    tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
  return { bits: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n), width: 128 };
}

function covers(ref: Ref, address: string): boolean {
  const a = toBits(address);
  if (a.width !== ref.width) return false;
  const shift = BigInt(ref.width - ref.prefix);
  return a.bits >> shift === ref.bits >> shift;
}

const validEntry = fc
  .oneof(
    fc.tuple(ipv4, fc.option(fc.integer({ min: 0, max: 32 }), { nil: undefined })),
    fc.tuple(ipv6, fc.option(fc.integer({ min: 0, max: 128 }), { nil: undefined })),
  )
  .map(([address, prefix]) => ({
    text: prefix === undefined ? address : `${address}/${prefix}`,
    ref: { ...toBits(address), prefix: prefix ?? (address.includes(".") ? 32 : 128) } as Ref,
  }));

/** Malformed prefixes seen in the wild or made by hand: every one must be refused, never read as a number. */
const badPrefix = fc.oneof(
  fc.constantFrom(
    "",
    " 24",
    "24 ",
    "0x8",
    "0X8",
    "1e1",
    "-0",
    "-1",
    "+8",
    "08",
    "008",
    "8.0",
    "33",
    "129",
    "Infinity",
    "NaN",
    "٣",
    "8/8",
    " ",
    "1_0",
  ),
  fc.integer({ min: 129, max: 100_000 }).map(String),
  nastyString.filter((s) => !/^(0|[1-9][0-9]{0,2})$/.test(s)),
);

/** Typos of a valid entry that must not turn into a range (trailing slash, bad prefix, spaces, junk). */
const malformedEntry = fc
  .oneof(
    fc.tuple(fc.oneof(ipv4, ipv6), badPrefix).map(([a, p]) => `${a}/${p}`),
    fc.tuple(ipv4, fc.integer({ min: 33, max: 128 })).map(([a, p]) => `${a}/${p}`),
    fc
      .tuple(fc.oneof(ipv4, ipv6), fc.constantFrom(" ", "\t", "%eth0", ".", ":", "x"))
      .map(([a, junk]) => `${a}${junk}`),
    fc.tuple(fc.oneof(ipv4, ipv6), fc.constantFrom(" ", "[", "0")).map(([a, junk]) => `${junk}${a}`),
    ipv4.map((a) => a.replace(/(^|\.)(\d)(?=\.|$)/, "$10$2")), // a leading zero in an octet
    ipv4.map((a) => a.split(".").slice(0, 3).join(".")), // three octets
    nastyString,
  )
  .filter((s) => s.trim() !== "" && !/^(\d+\.\d+\.\d+\.\d+|[0-9a-f:]+)(\/(0|[1-9]\d?|1[01]\d|12[0-8]))?$/i.test(s));

const probe = fc.oneof(ipv4, ipv6, fc.constantFrom("127.0.0.1", "194.187.247.152", "10.9.9.9", "::1", "::"));

describe("address lists (TRUSTED_PROXIES, KASPI_CHECKPAY_ALLOWED_IPS)", () => {
  it("the parser never throws, whatever the entry", () => {
    fc.assert(
      fc.property(fc.oneof(nastyString, malformedEntry, fc.string({ maxLength: 200 })), (raw) => {
        const entry = counter.pure(() => parseAddressEntry(raw));
        expect(typeof entry).toBe("object");
        try {
          counter.pure(() => addressList([raw]));
        } catch (error) {
          expect(error).toBeInstanceOf(AddressListError);
        }
      }),
      { numRuns: runs(3_000) },
    );
  });

  it("every malformed entry is refused, and a list holding one is refused whole", () => {
    fc.assert(
      fc.property(malformedEntry, fc.array(validEntry, { maxLength: 4 }), (bad, good) => {
        expect(counter.pure(() => parseAddressEntry(bad))).toHaveProperty("error");
        expect(() => addressList([...good.map((g) => g.text), bad])).toThrow(AddressListError);
      }),
      { numRuns: runs(3_000) },
    );
  });

  it("a list matches exactly what its valid entries cover, never more", () => {
    fc.assert(
      fc.property(
        fc.array(validEntry, { minLength: 1, maxLength: 6 }),
        fc.array(malformedEntry, { maxLength: 3 }),
        fc.array(probe, { minLength: 1, maxLength: 8 }),
        (good, bad, probes) => {
          // Whatever a lenient reader would keep of a list with typos: only what parses strictly.
          const kept = [...good.map((g) => g.text), ...bad].filter((e) => !("error" in parseAddressEntry(e)));
          const list = counter.pure(() => addressList(kept));
          for (const address of [...probes, ...good.map((g) => g.text.split("/")[0] as string)]) {
            expect(inList(list, address)).toBe(good.some((g) => covers(g.ref, address)));
          }
        },
      ),
      { numRuns: runs(3_000) },
    );
  });

  it("the typos of the report are refused, none kills the process", () => {
    for (const raw of [
      "194.187.247.152/",
      "10.0.0.0/0x8",
      "10.0.0.0/1e1",
      "10.0.0.0/ 24",
      "10.0.0.0/-0",
      "::/-0",
      "1.2.3.4/33",
      "::1/129",
      "1.2.3.4//8",
      "[1.2.3.4]",
      "fe80::1%eth0",
    ]) {
      expect(parseAddressEntry(raw), raw).toHaveProperty("error");
    }
    for (const raw of ["194.187.247.152", "10.0.0.0/8", "0.0.0.0/0", "2001:db8::/32", "[::1]", "::ffff:127.0.0.1"]) {
      expect(parseAddressEntry(raw), raw).not.toHaveProperty("error");
    }
  });
});

describe("address lists are read at start", () => {
  const real = {
    NODE_ENV: "production",
    KASPI_PROTOCOL: "checkpay",
    KASPI_GATEWAY_SERVICE_ID: "5001",
    KASPI_GATEWAY_PAY_LINK: "https://kaspi.kz/pay/x",
    APP_URL: "https://pay.example.kz",
    BITRIX_SHARED_SECRET: "0123456789abcdef0123",
  };
  const refusal = (vars: Record<string, string>) => {
    try {
      parseEnv({ ...real, ...vars });
    } catch (error) {
      expect(error).toBeInstanceOf(EnvError);
      return (error as Error).message;
    }
    return null;
  };

  it.each([
    ["KASPI_CHECKPAY_ALLOWED_IPS", "194.187.247.152/"],
    ["KASPI_GATEWAY_ALLOWED_IPS", "194.187.247.152/"],
    ["TRUSTED_PROXIES", "10.9.9.9/"],
    ["KASPI_GATEWAY_TRUSTED_PROXIES", "10.9.9.9/-0"],
    ["KASPI_CHECKPAY_ALLOWED_IPS", "194.187.247.152, 10.0.0.0/0x8"],
  ])("a bad entry in %s (%s) stops the start, naming the variable and the entry", (name, value) => {
    const message = refusal({ [name]: value });
    expect(message).toContain(name);
    expect(message).toContain(`"${value.split(",").at(-1)?.trim()}"`);
  });

  it("a /0 range is refused in the check/pay allow-list, under either name", () => {
    expect(refusal({ KASPI_CHECKPAY_ALLOWED_IPS: "0.0.0.0/0" })).toContain("every address");
    expect(refusal({ KASPI_GATEWAY_ALLOWED_IPS: "194.187.247.152,::/0" })).toContain("KASPI_GATEWAY_ALLOWED_IPS");
  });

  it("a typo in the first name is refused even when the new name is set", () => {
    expect(
      refusal({ KASPI_CHECKPAY_ALLOWED_IPS: "194.187.247.152", KASPI_GATEWAY_ALLOWED_IPS: "194.187.247.152/" }),
    ).toContain("KASPI_GATEWAY_ALLOWED_IPS");
  });

  it("the new name wins over the first one, and a good list is parsed once, at start", () => {
    const e = parseEnv({
      ...real,
      KASPI_CHECKPAY_ALLOWED_IPS: "194.187.245.108",
      KASPI_GATEWAY_ALLOWED_IPS: "194.187.247.152",
    });
    expect(e.checkpayAllowedIps).toEqual(["194.187.245.108"]);
    expect(inList(e.checkpayAllowList, "194.187.245.108")).toBe(true);
    expect(inList(e.checkpayAllowList, "194.187.247.152")).toBe(false);
    expect(inList(e.checkpayAllowList, "127.0.0.1")).toBe(false);
  });
});
