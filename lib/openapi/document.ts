import { z } from "zod";
import { errorBodySchema, errorStatus, type ErrorCode } from "../errors";
import { merchantOperations } from "./merchant-operations";
import { output, type Answer, type Auth, type Named, type Operation } from "./operation";
import { publicOperations } from "./public-operations";

// The OpenAPI 3.1 document of the public HTTP API (GET /api/openapi.json), generated from the zod
// schemas the routes parse with, by zod's own JSON Schema output (draft 2020-12, the dialect of
// OpenAPI 3.1). Nothing here restates a field: change a schema and the document follows.

type Json = Record<string, unknown>;

export const apiOperations: Operation[] = [...publicOperations, ...merchantOperations];

const errorBody = output("ErrorBody", errorBodySchema);

function jsonSchemaOf(schema: z.core.$ZodType, io: "input" | "output"): Json {
  // "any": a part JSON Schema cannot say (none today) becomes {} rather than failing the document.
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Json;
  return rest;
}

const SECURITY_SCHEMES: Json = {
  signatureTimestamp: {
    type: "apiKey",
    in: "header",
    name: "X-Signature-Timestamp",
    description: "Unix seconds; refused outside ±SIGNATURE_TOLERANCE_SECONDS (300 s).",
  },
  signature: {
    type: "apiKey",
    in: "header",
    name: "X-Signature",
    description:
      'sha256=<hex HMAC-SHA256(BITRIX_SHARED_SECRET, "<timestamp>.<nonce>.<METHOD>.<target>.<raw body>")>, ' +
      "target = the path and query exactly as sent; a body-less request signs an empty body. Compared in " +
      'constant time; the first form "<timestamp>.<raw body>" is refused (lib/bitrix-onprem/signature.ts).',
  },
  signatureNonce: {
    type: "apiKey",
    in: "header",
    name: "X-Signature-Nonce",
    description:
      "16–64 of [A-Za-z0-9_-], fresh per request: a nonce seen within the tolerance window is refused with " +
      "401 REPLAYED_SIGNATURE (the seen nonces are kept in the database, so this holds across instances).",
  },
  kaspiStore: {
    type: "apiKey",
    in: "header",
    name: "X-Kaspi-Store",
    description:
      "The store an on-premise site is (the id npm run store:add-onpremise printed); the signature is then " +
      "verified with that store's own shared secret and the request reads and changes only its orders. " +
      "Absent: the default store and BITRIX_SHARED_SECRET. An id that is not an active on-premise store " +
      "answers 401 INVALID_SIGNATURE, like a wrong signature.",
  },
  merchantSession: {
    type: "apiKey",
    in: "cookie",
    name: "merchant_session",
    description: "From POST /api/merchant/login (named __Host-merchant_session when APP_URL is https).",
  },
  healthToken: {
    type: "http",
    scheme: "bearer",
    description: "HEALTH_TOKEN: GET /api/health adds its figures for a monitor holding it.",
  },
  csrfToken: {
    type: "apiKey",
    in: "header",
    name: "X-CSRF-Token",
    description: "The session's CSRF token; state-changing calls also need the app's own Origin.",
  },
};

const SECURITY: Record<Auth, Json[]> = {
  bitrix: [
    { signatureTimestamp: [], signature: [] },
    { signatureTimestamp: [], signatureNonce: [], signature: [] },
    { signatureTimestamp: [], signatureNonce: [], signature: [], kaspiStore: [] },
  ],
  merchant: [{ merchantSession: [] }],
  merchantWrite: [{ merchantSession: [], csrfToken: [] }],
  // Anonymous is allowed ({}): the credentials only add to the answer.
  monitor: [{}, { healthToken: [] }, { merchantSession: [] }],
};

class Components {
  readonly schemas: Record<string, Json> = {};
  private readonly seen = new Map<string, z.core.$ZodType>();

  ref(named: Named): Json {
    const known = this.seen.get(named.name);
    if (known && known !== named.schema) throw new Error(`two schemas are named ${named.name}`);
    if (!known) {
      this.seen.set(named.name, named.schema);
      this.schemas[named.name] = jsonSchemaOf(named.schema, named.io);
    }
    return { $ref: `#/components/schemas/${named.name}` };
  }
}

function parameters(op: Operation): Json[] {
  const params: Json[] = Object.entries(op.pathParams ?? {}).map(([name, schema]) => ({
    name,
    in: "path",
    required: true,
    schema: jsonSchemaOf(schema, "input"),
  }));
  if (op.query) {
    const query = jsonSchemaOf(op.query, "input") as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, schema] of Object.entries(query.properties ?? {})) {
      params.push({ name, in: "query", required: query.required?.includes(name) ?? false, schema });
    }
  }
  return params;
}

function answer(components: Components, a: Answer): Json {
  const headers = Object.fromEntries(
    Object.entries(a.headers ?? {}).map(([name, description]) => [name, { description, schema: { type: "string" } }]),
  );
  return {
    description: a.description,
    ...(a.headers ? { headers } : {}),
    ...(a.body ? { content: { "application/json": { schema: components.ref(a.body) } } } : {}),
    ...(a.raw ? { content: { [a.raw.mediaType]: { schema: a.raw.schema } } } : {}),
  };
}

/** The operation's error codes, one response per HTTP status, each naming its codes. */
function errorAnswers(components: Components, op: Operation): Record<string, Json> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of [...op.errors, "INTERNAL" as const]) {
    const status = errorStatus[code];
    if (op.responses[status]) continue;
    byStatus.set(status, [...new Set([...(byStatus.get(status) ?? []), code])]);
  }
  const schema = components.ref(op.errorBody ?? errorBody);
  return Object.fromEntries(
    [...byStatus].map(([status, codes]) => [
      String(status),
      {
        description: codes.join(", "),
        ...(status === 429 ? { headers: { "Retry-After": { schema: { type: "integer" } } } } : {}),
        content: { "application/json": { schema } },
      },
    ]),
  );
}

function operationObject(components: Components, op: Operation): Json {
  const body = op.requestBody;
  const bodyRef = body ? components.ref(body.body) : undefined;
  return {
    operationId: op.operationId,
    summary: op.summary,
    tags: [op.tag],
    ...(op.auth ? { security: SECURITY[op.auth] } : {}),
    ...(op.pathParams || op.query ? { parameters: parameters(op) } : {}),
    ...(body && bodyRef
      ? {
          requestBody: {
            required: body.required,
            content: {
              "application/json": { schema: bodyRef },
              // Bitrix24 posts PHP-style fields (BX_SYSTEM_PARAMS[PAYMENT_ID]=…): OpenAPI's deepObject.
              ...(body.form
                ? {
                    "application/x-www-form-urlencoded": {
                      schema: bodyRef,
                      encoding: { BX_SYSTEM_PARAMS: { style: "deepObject", explode: true } },
                    },
                  }
                : {}),
            },
          },
        }
      : {}),
    responses: {
      ...Object.fromEntries(Object.entries(op.responses).map(([status, a]) => [status, answer(components, a)])),
      ...errorAnswers(components, op),
    },
  };
}

function buildDocument(): Json {
  const components = new Components();
  const paths: Record<string, Json> = {};
  for (const op of apiOperations) {
    paths[op.path] = { ...paths[op.path], [op.method]: operationObject(components, op) };
  }
  return {
    openapi: "3.1.1",
    info: {
      title: "Kaspi Pay checkout for 1C-Bitrix",
      version: "1",
      description:
        "Every error is { error: { code, message } } with the HTTP status of the app's one error table " +
        "(lib/errors.ts). Amounts are whole tenge.",
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    tags: [
      { name: "bitrix", description: "Bitrix and Bitrix24 → app" },
      { name: "checkout", description: "The shopper's checkout page" },
      { name: "kaspi", description: "Kaspi → app" },
      { name: "merchant", description: "The merchant area's JSON API" },
      { name: "ops", description: "Operations" },
    ],
    paths,
    components: { schemas: components.schemas, securitySchemes: SECURITY_SCHEMES },
  };
}

let cached: Json | undefined;

/** The document, built once per process (the schemas do not change at run time). */
export function openApiDocument(): Json {
  cached ??= buildDocument();
  return cached;
}
