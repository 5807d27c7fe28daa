import { describe, expect, it } from "vitest";
import { z } from "zod";
import { signatureHeaders } from "../bitrix-onprem/signature";
import { env } from "../env";
import { MAX_JSON_DEPTH, readRequest } from "./read-request";

// The one request reader: byte limit while streaming, JSON / PHP-form modes, Bitrix signature over
// the raw body, zod, and every failure as a code of the one error table.

const schema = z.object({ name: z.string().min(1) });

function request(body: BodyInit | null, headers: Record<string, string> = {}): Request {
  return new Request("http://app.test/x", {
    method: "POST",
    headers,
    ...(body === null ? {} : { body, duplex: "half" }),
  } as RequestInit);
}

const JSON_TYPE = { "Content-Type": "application/json" };
const FORM_TYPE = { "Content-Type": "application/x-www-form-urlencoded" };

/** A body that streams `chunks` chunks of `size` bytes and counts how many were pulled. */
function countingStream(chunks: number, size: number) {
  const state = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled === chunks) return controller.close();
      state.pulled++;
      controller.enqueue(new Uint8Array(size).fill(0x20));
    },
  });
  return { stream, state };
}

describe("readRequest — JSON", () => {
  it("parses, validates and keeps the raw text", async () => {
    const raw = '{"name":"Алия"}';
    const r = await readRequest(request(raw, JSON_TYPE), { schema });
    expect(r).toEqual({ ok: true, value: { value: { name: "Алия" }, raw } });
  });

  it.each([
    ["bad JSON", request("{name:", JSON_TYPE), "INVALID_JSON"],
    ["an empty body", request("", JSON_TYPE), "INVALID_JSON"],
    ["a wrong content type", request('{"name":"a"}', { "Content-Type": "text/plain" }), "UNSUPPORTED_MEDIA_TYPE"],
    ["no content type", request('{"name":"a"}'), "UNSUPPORTED_MEDIA_TYPE"],
    ["a schema failure", request('{"name":""}', JSON_TYPE), "VALIDATION_FAILED"],
    [
      "JSON nested too deep",
      request("[".repeat(MAX_JSON_DEPTH + 1) + "]".repeat(MAX_JSON_DEPTH + 1), JSON_TYPE),
      "BAD_REQUEST",
    ],
  ])("%s → %s", async (_name, req, code) => {
    const r = await readRequest(req, { schema });
    expect(r.ok ? undefined : r.error.code).toBe(code);
  });

  it("a schema failure can answer with another code (the Kaspi callback's BAD_REQUEST)", async () => {
    const r = await readRequest(request("{}", JSON_TYPE), { schema, invalidCode: "BAD_REQUEST" });
    expect(r.ok ? undefined : r.error).toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/^name:/) });
  });

  it("optional: an empty body without a content type reads as {}; a non-empty one must be JSON", async () => {
    const loose = z.object({ n: z.number().optional() });
    expect(await readRequest(request(null), { schema: loose, optional: true })).toEqual({
      ok: true,
      value: { value: {}, raw: "" },
    });
    const typed = await readRequest(request('{"n":1}', { "Content-Type": "text/plain" }), {
      schema: loose,
      optional: true,
    });
    expect(typed.ok ? undefined : typed.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });
});

describe("readRequest — byte limit", () => {
  it("counts bytes, not characters: 6 two-byte letters are 12 bytes", async () => {
    const raw = JSON.stringify({ name: "ққққққ" }); // 11 ASCII bytes + 12 bytes of Kazakh letters = 23 bytes
    expect(raw.length).toBe(17);
    expect((await readRequest(request(raw, JSON_TYPE), { schema, maxBytes: 23 })).ok).toBe(true);
    const over = await readRequest(request(raw, JSON_TYPE), { schema, maxBytes: 22 });
    expect(over.ok ? undefined : over.error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("stops reading once the limit is passed, whatever Content-Length says", async () => {
    const { stream, state } = countingStream(1_000, 1024);
    const r = await readRequest(request(stream, JSON_TYPE), { schema, maxBytes: 4 * 1024 });
    expect(r.ok ? undefined : r.error.code).toBe("PAYLOAD_TOO_LARGE");
    // 5 chunks pass the limit; the other 995 are never pulled (the stream may pre-pull one).
    expect(state.pulled).toBeLessThanOrEqual(6);
  });

  it("refuses a declared Content-Length over the limit before reading", async () => {
    const { stream, state } = countingStream(10, 10);
    const r = await readRequest(request(stream, { ...JSON_TYPE, "Content-Length": "999999" }), { schema });
    expect(r.ok ? undefined : r.error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(state.pulled).toBeLessThanOrEqual(1);
  });
});

describe("readRequest — PHP-style form", () => {
  const nested = z.object({ BX: z.object({ ID: z.string(), ITEMS: z.object({ 0: z.string(), 1: z.string() }) }) });

  it("reads nested keys a[b]=c and lists a[]=x the way PHP fills $_POST", async () => {
    const raw = "BX[ID]=42&BX[ITEMS][]=x&BX[ITEMS][]=y&__proto__[polluted]=1";
    const r = await readRequest(request(raw, FORM_TYPE), { schema: nested, format: "form" });
    expect(r.ok && r.value.value).toEqual({ BX: { ID: "42", ITEMS: { 0: "x", 1: "y" } } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("form mode wants the form content type", async () => {
    const r = await readRequest(request("BX[ID]=1", JSON_TYPE), { schema: nested, format: "form" });
    expect(r.ok ? undefined : r.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  it("json-or-form reads JSON when the content type says so, else a form", async () => {
    const asJson = await readRequest(request('{"name":"a"}', JSON_TYPE), { schema, format: "json-or-form" });
    const asForm = await readRequest(request("name=a", FORM_TYPE), { schema, format: "json-or-form" });
    const untyped = await readRequest(request("name=a"), { schema, format: "json-or-form" });
    expect([asJson, asForm, untyped].map((r) => r.ok && r.value.value)).toEqual([
      { name: "a" },
      { name: "a" },
      { name: "a" },
    ]);
    const badJson = await readRequest(request("name=a", JSON_TYPE), { schema, format: "json-or-form" });
    expect(badJson.ok ? undefined : badJson.error.code).toBe("INVALID_JSON");
  });
});

describe("readRequest — Bitrix signature over the raw body", () => {
  const secret = () => env().BITRIX_SHARED_SECRET;

  it("accepts the HMAC of the exact bytes sent (spacing and non-ASCII kept)", async () => {
    const raw = '{ "name" : "Сәуле" }';
    const r = await readRequest(
      request(raw, { ...JSON_TYPE, ...signatureHeaders(secret(), { method: "POST", target: "/x", body: raw }) }),
      {
        schema,
        signed: true,
      },
    );
    // Without X-Kaspi-Store the request is the default store's, verified with BITRIX_SHARED_SECRET.
    expect(r).toEqual({
      ok: true,
      value: { value: { name: "Сәуле" }, raw, signedBy: { storeId: "default", store: null } },
    });
  });

  it("refuses a signature of the same JSON written differently", async () => {
    const signedOver = '{"name":"a"}';
    const sent = '{"name": "a"}';
    const r = await readRequest(
      request(sent, {
        ...JSON_TYPE,
        ...signatureHeaders(secret(), { method: "POST", target: "/x", body: signedOver }),
      }),
      {
        schema,
        signed: true,
      },
    );
    expect(r.ok ? undefined : r.error.code).toBe("INVALID_SIGNATURE");
  });

  it("missing headers → MISSING_SIGNATURE; stale → STALE_SIGNATURE; checked before the schema", async () => {
    const missing = await readRequest(request('{"name":""}', JSON_TYPE), { schema, signed: true });
    expect(missing.ok ? undefined : missing.error.code).toBe("MISSING_SIGNATURE");
    const raw = '{"name":""}';
    const old = Math.floor(Date.now() / 1000) - 3600;
    const stale = await readRequest(
      request(raw, {
        ...JSON_TYPE,
        ...signatureHeaders(secret(), { method: "POST", target: "/x", body: raw }, { nowSeconds: old }),
      }),
      {
        schema,
        signed: true,
      },
    );
    expect(stale.ok ? undefined : stale.error.code).toBe("STALE_SIGNATURE");
  });
});
