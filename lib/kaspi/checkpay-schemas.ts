import { z } from "zod";

// Kaspi's check/pay provider protocol: Kaspi calls us with
// GET ?command=check|pay&txn_id=…&account=…&sum=…[&txn_date=YYYYMMDDhhmmss]
// and reads <response> with txn_id, prv_txn?, sum ("1234.00"), result, comment — XML by default, the
// form seen in public code (Yer12/tastamat PaymentKaspiResponse.java, KASPI-FACTS §6); JSON optional.
// Which of the two Kaspi expects is not confirmed by any Kaspi document [?].

export const GATEWAY_RESULTS = {
  OK: 0,
  NOT_FOUND: 1,
  CANCELLED: 2,
  ALREADY_PAID: 3,
  IN_PROGRESS: 4,
  OTHER_ERROR: 5,
} as const;
export type CheckpayResult = (typeof GATEWAY_RESULTS)[keyof typeof GATEWAY_RESULTS];

export const checkpayQuerySchema = z.object({
  command: z.enum(["check", "pay"]),
  txn_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be Kaspi's transaction id"),
  account: z.string().min(1).max(100),
  // Optional: `check` may come without it (its sum is a terminal default anyway, KASPI-FACTS §6);
  // a `pay` without one gets a protocol reply (result 5), not an app error.
  sum: z
    .string()
    .regex(/^\d{1,12}(\.\d{1,2})?$/, "must be a decimal amount like 1234.00")
    .optional(),
  txn_date: z
    .string()
    .regex(/^\d{14}$/, "must be YYYYMMDDhhmmss")
    .optional(),
});
export type CheckpayQuery = z.infer<typeof checkpayQuerySchema>;

export type CheckpayReply = {
  txn_id: string;
  prv_txn?: string;
  sum: string;
  result: CheckpayResult;
  comment: string;
};

/** "1234" / "1234.5" / "1234.00" → whole tenge, or null when it has kopecks (KZT here has none). */
export function parseCheckpaySum(sum: string): number | null {
  const [whole, frac = ""] = sum.split(".");
  if (frac.replace(/0/g, "") !== "") return null;
  const n = Number(whole);
  return Number.isSafeInteger(n) ? n : null;
}

export function formatCheckpaySum(amount: number): string {
  return `${amount}.00`;
}

const escapeXml = (s: string) =>
  s.replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c] ?? c);

/** The XML variant of the reply (same fields, same order). */
export function checkpayReplyXml(reply: CheckpayReply): string {
  const fields: [string, string | number | undefined][] = [
    ["txn_id", reply.txn_id],
    ["prv_txn", reply.prv_txn],
    ["sum", reply.sum],
    ["result", reply.result],
    ["comment", reply.comment],
  ];
  const body = fields
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<${k}>${escapeXml(String(v))}</${k}>`)
    .join("");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<response>${body}</response>\n`;
}

/** The reply as JSON (KASPI_CHECKPAY_FORMAT=json); the XML form has the same fields in <response>. */
export const checkpayReplySchema = z.object({
  txn_id: z.string(),
  prv_txn: z.string().optional(),
  sum: z.string().meta({ description: 'amount due, e.g. "200.00"' }),
  result: z.literal([0, 1, 2, 3, 4, 5]).meta({
    description: "0 OK, 1 not found, 2 cancelled, 3 already paid, 4 in progress, 5 other error",
  }),
  comment: z.string(),
});
