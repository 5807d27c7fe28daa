import { appendFileSync } from "node:fs";
import fc from "fast-check";
import { expect } from "vitest";

// Shared by the fuzz tests (reliability scenario 6): case counting, the judgement of a response
// (never ≥ 500, always the JSON error shape on 4xx) and arbitraries for hostile HTTP input.

/** FUZZ_SCALE=2 doubles every property's runs (the default keeps `vitest run` quick). */
export const SCALE = Number(process.env.FUZZ_SCALE ?? "1") || 1;
export const runs = (n: number) => Math.max(1, Math.round(n * SCALE));

/** FUZZ_SEED=<seed a failure printed> replays that run (every property of the file uses the seed). */
if (process.env.FUZZ_SEED) fc.configureGlobal({ seed: Number(process.env.FUZZ_SEED) });

export class FuzzCounter {
  cases = 0;
  serverErrors = 0;
  throws = 0;
  /** 503 answered by design while Kaspi was made unreachable (Kaspi retries the callback). */
  kaspiUnavailable = 0;

  constructor(readonly name: string) {}

  /** Calls the handler once, counting the case; a throw is counted and rethrown. */
  async call(handler: () => Promise<Response>, opts: { kaspiDown?: boolean } = {}): Promise<Response> {
    this.cases++;
    try {
      const res = await handler();
      if (res.status === 503 && opts.kaspiDown) this.kaspiUnavailable++;
      else if (res.status >= 500) this.serverErrors++;
      return res;
    } catch (e) {
      this.throws++;
      throw e;
    }
  }

  /** Counts one case of a pure function; a throw is counted and rethrown. */
  pure<T>(fn: () => T): T {
    this.cases++;
    try {
      return fn();
    } catch (e) {
      this.throws++;
      throw e;
    }
  }

  report(): void {
    const kaspi = this.kaspiUnavailable
      ? ` (plus ${this.kaspiUnavailable} × 503 while Kaspi was made unreachable)`
      : "";
    console.log(
      `fuzz ${this.name}: ${this.cases} cases, ${this.serverErrors} responses ≥ 500${kaspi}, ${this.throws} throws`,
    );
    const file = process.env.FUZZ_COUNT_FILE;
    if (file) {
      appendFileSync(
        file,
        `${JSON.stringify({ name: this.name, cases: this.cases, serverErrors: this.serverErrors, throws: this.throws })}\n`,
      );
    }
  }
}

/** What every answer to hostile input must look like: < 500, JSON, the error shape on 4xx. */
export async function expectSane(res: Response, opts: { kaspiDown?: boolean } = {}): Promise<Record<string, unknown>> {
  if (!(opts.kaspiDown && res.status === 503)) expect(res.status).toBeLessThan(500);
  const text = await res.text();
  const body = JSON.parse(text) as Record<string, unknown>;
  if (res.status >= 400) {
    const error = body.error as { code?: unknown; message?: unknown } | undefined;
    expect(typeof error?.code).toBe("string");
    expect(typeof error?.message).toBe("string");
  }
  return body;
}

/** Header values a real HTTP server can deliver (visible ASCII and spaces). */
export const headerValue = fc.string({ unit: "grapheme-ascii", maxLength: 80 });

export const contentType = fc.oneof(
  fc.constant<string | undefined>("application/json"),
  fc.constant("application/json; charset=utf-8"),
  fc.constant("APPLICATION/JSON"),
  fc.constant(undefined),
  fc.constant("text/plain"),
  fc.constant("application/x-www-form-urlencoded"),
  fc.constant("multipart/form-data; boundary=x"),
  fc.constant("application/jsonp"),
  headerValue,
);

/** Any body text: random strings, random JSON, deep nesting, huge strings, bytes. */
export const bodyText = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
  { weight: 4, arbitrary: fc.json({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 200 }).map((n) => "[".repeat(n) + "]".repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 100 }).map((n) => '{"a":'.repeat(n) + "1" + "}".repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 40_000 }).map((n) => JSON.stringify({ data: "x".repeat(n) })) },
  { weight: 1, arbitrary: fc.constantFrom("", " ", "null", "true", "0", '""', "[]", "{}", "{", "\u0000", "\ufeff{}") },
);

/** Strings that are interesting in ids, statuses and amounts. */
export const nastyString = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 120 }),
  fc.constantFrom(
    "",
    " ",
    "null",
    "undefined",
    "__proto__",
    "constructor",
    "../../etc/passwd",
    "%00",
    "%",
    "%E0%A4%A",
    '\'; DROP TABLE "Order"; --',
    "<script>alert(1)</script>",
    "a".repeat(101),
    "a".repeat(5000),
    "COMPLETED",
    "PAID",
    "FAILED",
    "1e309",
    "#",
    "ord#2",
  ),
);

/** Any JSON value, with a bias towards the shapes the app's schemas expect. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  nastyString,
  fc.integer(),
  fc.double(),
  fc.constantFrom(null, true, false, [], {}, -0, Number.MAX_SAFE_INTEGER + 2, 1e21, -1, 0.5),
);
