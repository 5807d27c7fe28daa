import { readFileSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { GET as openApiRoute } from "@/app/api/openapi.json/route";
import { errorStatus } from "@/lib/errors";
import { policyFor } from "@/lib/http/route-policy";
import { apiOperations, openApiDocument } from "@/lib/openapi/document";
import { orderIntakeSchema } from "@/lib/payments/order-schemas";

// GET /api/openapi.json: valid OpenAPI 3.1 (checked against the official 3.1 schema), generated
// from the routes' zod schemas, and covering every route of the HTTP contract tables in docs/.

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>>;
  components: { schemas: Record<string, unknown> };
};
const doc = () => openApiDocument() as unknown as Doc;
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

async function validate(value: unknown) {
  const validator = new Validator();
  const result = await validator.validate(clone(value) as Record<string, unknown>);
  return { ...result, version: validator.version };
}

/** Every "$ref" in the document, with the JSON pointer it names. */
function refsOf(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsOf(v, found));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref" && typeof v === "string") found.push(v);
      else refsOf(v, found);
    }
  }
  return found;
}

function resolvePointer(root: unknown, ref: string): unknown {
  return ref
    .replace(/^#\//, "")
    .split("/")
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], root);
}

describe("the OpenAPI document", () => {
  it("is valid OpenAPI 3.1", async () => {
    const result = await validate(doc());
    expect(result.errors).toBeUndefined();
    expect(result).toMatchObject({ valid: true, version: "3.1" });
    expect(doc().openapi).toMatch(/^3\.1\./);
  });

  it("the validator is not a rubber stamp: a broken copy is refused", async () => {
    const noTitle = clone(doc()) as unknown as { info: { title?: string } };
    delete noTitle.info.title;
    expect((await validate(noTitle)).valid).toBe(false);
    const badSecurity = clone(doc()) as unknown as { components: { securitySchemes: Record<string, unknown> } };
    badSecurity.components.securitySchemes.signature = { type: "apiKey", in: "body" };
    expect((await validate(badSecurity)).valid).toBe(false);
  });

  it("every $ref points at something in the document", () => {
    const refs = refsOf(doc());
    expect(refs.length).toBeGreaterThan(50);
    for (const ref of refs) expect(resolvePointer(doc(), ref), ref).toBeDefined();
  });

  it("its schemas are zod's own JSON Schema of the schemas the routes parse with", () => {
    const { $schema: _dialect, ...intake } = z.toJSONSchema(orderIntakeSchema, { io: "input" });
    expect(doc().components.schemas.OrderIntake).toEqual(intake);
    // The error body's codes are the error table's.
    const errorBody = doc().components.schemas.ErrorBody as {
      properties: { error: { properties: { code: { enum: string[] } } } };
    };
    expect(errorBody.properties.error.properties.code.enum.sort()).toEqual(Object.keys(errorStatus).sort());
  });

  it("each error response names codes whose HTTP status is that response's", () => {
    for (const [path, item] of Object.entries(doc().paths)) {
      for (const [method, op] of Object.entries(item)) {
        for (const [status, answer] of Object.entries(op.responses)) {
          if (Number(status) < 400) continue;
          const codes = answer.description.split(", ").filter((c) => c in errorStatus) as (keyof typeof errorStatus)[];
          for (const code of codes)
            expect(errorStatus[code], `${method} ${path} ${status} ${code}`).toBe(Number(status));
        }
      }
    }
  });

  it("every operation is in the route policy table with its method", () => {
    for (const op of apiOperations) {
      const policy = policyFor(op.path.replace(/\{\w+\}/g, "x1"));
      if (op.path.startsWith("/api/merchant/") || op.path === "/api/bitrix24/checkout") continue; // not proxied by policy
      expect(policy?.methods, op.path).toContain(op.method.toUpperCase());
    }
    expect(policyFor("/api/openapi.json")?.methods).toEqual(["GET"]);
  });

  it("covers every /api route of the HTTP contract tables in docs/", () => {
    const readme = ["docs/architecture.md", "docs/merchant.md"].map((f) => readFileSync(f, "utf8")).join("\n");
    const rows = [
      ...readme.matchAll(
        /^\| `((?:GET|POST|PUT|PATCH|DELETE)(?:\/(?:GET|POST|PUT|PATCH|DELETE))*) (\/api\/[^`?\s]+)/gm,
      ),
    ];
    const contract = rows.flatMap(([, methods = "", path = ""]) => methods.split("/").map((m) => `${m} ${path}`));
    expect(contract.length).toBeGreaterThanOrEqual(16);
    const documented = Object.entries(doc().paths).flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented).toEqual(expect.arrayContaining(contract));
  });

  it("is served at GET /api/openapi.json", async () => {
    const response = openApiRoute();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await response.json()).toEqual(clone(doc()));
  });
});
