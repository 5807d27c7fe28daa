// GET /api/openapi.json — the OpenAPI 3.1 document of the public HTTP API, generated from the
// zod schemas the routes parse with (lib/openapi/document.ts).
import { internalError, json } from "@/lib/http/responses";
import { openApiDocument } from "@/lib/openapi/document";

export function GET(): Response {
  try {
    return json(openApiDocument(), 200, { "Cache-Control": "public, max-age=300" });
  } catch (e) {
    return internalError("GET /api/openapi.json", e);
  }
}
