import { z } from "zod";
import type { Db } from "../db";
import { newId } from "../ids";

// Faults the sandbox injects on request, stored in the database so that every app process (and
// the test that asked for them) sees the same ones. Each is consumed by one matching call.

/**
 * create/qr/status/callback: the eCommerce API. online: the Kaspi button's POST (check/pay).
 * pay: the check/pay requests the sandbox's Kaspi app sends the store on Confirm.
 */
export const FAULT_OPERATIONS = ["create", "qr", "status", "callback", "online", "pay"] as const;
/**
 * Besides the transport faults: refuse (online: Kaspi answers code ≠ 0, e.g. a Service it does not
 * know), json_refused (online: Kaspi does not take the JSON request, HTTP 415; the form still
 * works), duplicate (pay: sent twice with one txn_id), other_sum (pay: a sum other than check's).
 */
export const FAULT_KINDS = [
  "delay",
  "timeout",
  "http_500",
  "http_429",
  "malformed",
  "status",
  "drop",
  "duplicate",
  "refuse",
  "json_refused",
  "other_sum",
] as const;

export const faultRequestSchema = z
  .object({
    operation: z.enum(FAULT_OPERATIONS),
    kind: z.enum(FAULT_KINDS),
    delayMs: z.number().int().min(0).max(120_000).default(0),
    /** kind "status": what the sandbox's GET answers instead of the truth. */
    status: z.enum(["PENDING", "COMPLETED", "FAILED", "EXPIRED"]).optional(),
    count: z.number().int().min(1).max(10_000).default(1),
    paymentId: z.string().max(100).optional(),
  })
  .strict()
  .refine((f) => f.kind !== "status" || f.status !== undefined, { message: 'kind "status" needs a status' });
export type FaultRequest = z.infer<typeof faultRequestSchema>;

export type Fault = { kind: (typeof FAULT_KINDS)[number]; delayMs: number; status: string | null };

export async function addFault(db: Db, f: FaultRequest): Promise<string> {
  const id = newId("flt");
  await db.sandboxFault.create({
    data: {
      id,
      operation: f.operation,
      kind: f.kind,
      delayMs: f.delayMs,
      status: f.status ?? null,
      remaining: f.count,
      paymentId: f.paymentId ?? null,
    },
  });
  return id;
}

export async function clearFaults(db: Db): Promise<number> {
  return (await db.sandboxFault.deleteMany({})).count;
}

/** Takes one use of the oldest matching fault, or null. Safe under concurrency (compare-and-set). */
export async function takeFault(
  db: Db,
  operation: (typeof FAULT_OPERATIONS)[number],
  paymentId?: string,
): Promise<Fault | null> {
  for (let tries = 0; tries < 5; tries++) {
    const fault = await db.sandboxFault.findFirst({
      where: {
        operation,
        remaining: { gt: 0 },
        OR: [{ paymentId: null }, ...(paymentId ? [{ paymentId }] : [])],
      },
      orderBy: { createdAt: "asc" },
    });
    if (!fault) return null;
    const res = await db.sandboxFault.updateMany({
      where: { id: fault.id, remaining: fault.remaining },
      data: { remaining: fault.remaining - 1 },
    });
    if (res.count === 1) return { kind: fault.kind as Fault["kind"], delayMs: fault.delayMs, status: fault.status };
  }
  return null;
}
