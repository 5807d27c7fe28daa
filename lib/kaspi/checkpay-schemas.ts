import { z } from "zod";

// Kaspi's check/pay provider protocol (docs/kaspi.md, "check/pay"): Kaspi calls us with
// GET ?command=check|pay&txn_id=…&account=…&sum=…[&txn_date=YYYYMMDDhhmmss]
// and reads <response> with txn_id, prv_txn (pay), sum ("1234.00"), result, fields (check), comment.
// XML by default (Yer12/tastamat PaymentKaspiResponse.java; powerupenergywork-coder/ai-agregator-zayavok
// docs/kaspi-примеры-запросов.md), JSON with KASPI_CHECKPAY_FORMAT=json. No Kaspi document is public.

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
  // Optional: `check` may come without it (its sum is a terminal default anyway, docs/kaspi.md §6);
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

/** What the Kaspi app shows the payer before they confirm (check only): label and value. */
export type CheckpayField = { name: string; value: string };

export type CheckpayReply = {
  txn_id: string;
  prv_txn?: string;
  sum: string;
  result: CheckpayResult;
  comment: string;
  fields?: CheckpayField[];
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

/** "20260810134500" → "2026-08-10 13:45:00" (Kaspi's own clock, no time zone conversion). */
export function readableTxnDate(txnDate: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(txnDate);
  return m ? `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]}` : txnDate;
}

const escapeXml = (s: string) =>
  s.replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c] ?? c);

/**
 * The XML variant: <response> with txn_id, prv_txn, sum, result, <fields><field1 name="…">…</field1>…
 * </fields>, comment. Our payment number is `prv_txn` only here: the XML examples of the protocol
 * name it so (as ai-agregator-zayavok reports the specification, and its own XML pay answer), and so
 * does the one XML handler from production code (tastamat PaymentKaspiResponse.java). The XML with
 * `prv_txn_id` (binsabit/jetinno-kaspi kaspi_webhook.go) is a stub that answers random numbers.
 */
export function checkpayReplyXml(reply: CheckpayReply): string {
  const tags: [string, string | number | undefined][] = [
    ["txn_id", reply.txn_id],
    ["prv_txn", reply.prv_txn],
    ["sum", reply.sum],
    ["result", reply.result],
  ];
  const body = tags
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<${k}>${escapeXml(String(v))}</${k}>`)
    .join("");
  const fields = reply.fields?.length
    ? `<fields>${reply.fields
        .map((f, i) => `<field${i + 1} name="${escapeXml(f.name)}">${escapeXml(f.value)}</field${i + 1}>`)
        .join("")}</fields>`
    : "";
  const comment = `<comment>${escapeXml(reply.comment)}</comment>`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<response>${body}${fields}${comment}</response>\n`;
}

/**
 * The JSON variant: our payment number under both names, `prv_txn` and `prv_txn_id` (the
 * specification's XML example names it one way and its JSON example the other, as
 * ai-agregator-zayavok docs/kaspi-integration.md reports; JSON handlers in public code use the
 * second); `fields` as { field1: { "@name", "#text" } } (the same document's JSON check answer).
 */
export function checkpayReplyJson(reply: CheckpayReply): CheckpayJsonReply {
  const fields = reply.fields?.length
    ? Object.fromEntries(reply.fields.map((f, i) => [`field${i + 1}`, { "@name": f.name, "#text": f.value }]))
    : undefined;
  return {
    txn_id: reply.txn_id,
    ...(reply.prv_txn === undefined ? {} : { prv_txn: reply.prv_txn, prv_txn_id: reply.prv_txn }),
    sum: reply.sum,
    result: reply.result,
    comment: reply.comment,
    ...(fields ? { fields } : {}),
  };
}

/** The reply as JSON (KASPI_CHECKPAY_FORMAT=json); the XML form has the same content in <response>. */
export const checkpayReplySchema = z.object({
  txn_id: z.string(),
  prv_txn: z.string().optional().meta({ description: "our payment number (pay)" }),
  prv_txn_id: z.string().optional().meta({ description: "the same number under its other name (JSON only)" }),
  sum: z.string().meta({ description: 'amount due, e.g. "200.00"' }),
  result: z.literal([0, 1, 2, 3, 4, 5]).meta({
    description: "0 OK, 1 not found, 2 cancelled, 3 already paid, 4 in progress, 5 other error",
  }),
  comment: z.string(),
  fields: z
    .record(z.string(), z.object({ "@name": z.string(), "#text": z.string() }))
    .optional()
    .meta({ description: "check: what the Kaspi app shows the payer (store, order, amount)" }),
});
export type CheckpayJsonReply = z.infer<typeof checkpayReplySchema>;
