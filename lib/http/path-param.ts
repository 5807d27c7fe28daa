import type { z } from "zod";
import type { Result } from "../errors";
import { parseWith } from "./responses";

/** A route's path segment, percent-decoded, checked against its schema. */
export function parsePathParam<S extends z.ZodType>(schema: S, segment: string): Result<z.infer<S>> {
  return parseWith(schema, safeDecode(segment));
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // a malformed escape fails the schema like any other bad value: a 422
  }
}
