import { z } from "zod";
import type { Db } from "../../db";
import { newId } from "../../ids";

// Faults the Webkassa simulator plays on request (tests and demos), kept in the sandbox's fault
// table under "webkassa:<operation>" so that every app process sees the same ones; each use of a
// fault is taken with a compare-and-set, like the Kaspi sandbox's (lib/sandbox/faults.ts).
// - error: answer Errors [{ Code, Text }] with this code instead (7 register blocked, 9 validation,
//   11 shift > 24 h, 13 no open shift, 14 duplicate, 18 offline > 72 h, 505 host unavailable, …);
// - drop: do the operation (the receipt is made), then cut the answer off: a lost answer;
// - hold: do the operation, then wait delayMs before answering (a caller can die meanwhile);
// - delay: wait delayMs, then act normally;
// - expire_token: every session token expires now (the request then meets code 2);
// - shift_24h: the open shift becomes 25 hours old (checks then meet code 11 until a Z report);
// - duplicate_data: the next duplicate (14) answer carries the existing receipt in Data.

export const WEBKASSA_OPERATIONS = ["authorize", "check", "zreport", "history", "cashboxes"] as const;
export type WebkassaOperation = (typeof WEBKASSA_OPERATIONS)[number];
export const WEBKASSA_FAULT_KINDS = [
  "error",
  "drop",
  "hold",
  "delay",
  "expire_token",
  "shift_24h",
  "duplicate_data",
] as const;

export const webkassaFaultSchema = z
  .object({
    operation: z.enum(WEBKASSA_OPERATIONS),
    kind: z.enum(WEBKASSA_FAULT_KINDS),
    /** kind "error": Webkassa's error code to answer. */
    code: z.number().int().min(-1).max(100_000).optional(),
    delayMs: z.number().int().min(0).max(120_000).default(0),
    count: z.number().int().min(1).max(10_000).default(1),
  })
  .strict()
  .refine((f) => f.kind !== "error" || f.code !== undefined, { message: 'kind "error" needs a code' });
export type WebkassaFaultRequest = z.infer<typeof webkassaFaultSchema>;

export type WebkassaFault = { kind: (typeof WEBKASSA_FAULT_KINDS)[number]; code: number | null; delayMs: number };

const PREFIX = "webkassa:";

export async function addWebkassaFault(db: Db, f: WebkassaFaultRequest): Promise<string> {
  const id = newId("flt");
  await db.sandboxFault.create({
    data: {
      id,
      operation: `${PREFIX}${f.operation}`,
      kind: f.kind,
      status: f.code === undefined ? null : String(f.code),
      delayMs: f.delayMs,
      remaining: f.count,
    },
  });
  return id;
}

export async function clearWebkassaFaults(db: Db): Promise<number> {
  return (await db.sandboxFault.deleteMany({ where: { operation: { startsWith: PREFIX } } })).count;
}

/** Takes one use of the oldest fault for this operation, or null (safe under concurrency). */
export async function takeWebkassaFault(db: Db, operation: WebkassaOperation): Promise<WebkassaFault | null> {
  for (let tries = 0; tries < 5; tries++) {
    const fault = await db.sandboxFault.findFirst({
      where: { operation: `${PREFIX}${operation}`, remaining: { gt: 0 } },
      orderBy: { createdAt: "asc" },
    });
    if (!fault) return null;
    const taken = await db.sandboxFault.updateMany({
      where: { id: fault.id, remaining: fault.remaining },
      data: { remaining: fault.remaining - 1 },
    });
    if (taken.count === 1) {
      return {
        kind: fault.kind as WebkassaFault["kind"],
        code: fault.status === null ? null : Number(fault.status),
        delayMs: fault.delayMs,
      };
    }
  }
  return null;
}
