import { z } from "zod";
import { PAYMENT_STATUSES } from "../payments/status";

// The list's filters, parsed from the URL (so a view can be bookmarked) by the page, the JSON
// list route and the CSV export alike. Unknown or malformed values are dropped, never fatal.

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const filtersSchema = z.object({
  status: z.enum(PAYMENT_STATUSES).optional().catch(undefined),
  from: day.optional().catch(undefined),
  to: day.optional().catch(undefined),
  q: z
    .string()
    .trim()
    .max(100)
    .optional()
    .catch(undefined)
    .transform((v) => (v ? v : undefined)),
  cursor: z.string().max(200).optional().catch(undefined),
  /** "1": only payments that need a person (e.g. paid, but the order was cancelled in Bitrix). */
  attention: z.literal("1").optional().catch(undefined),
});

export type PaymentFilters = Partial<z.infer<typeof filtersSchema>>;

type ParamSource = URLSearchParams | Record<string, string | string[] | undefined>;

export function parseFilters(source: ParamSource): PaymentFilters {
  const get = (name: string): string | undefined => {
    if (source instanceof URLSearchParams) return source.get(name) ?? undefined;
    const v = source[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const raw = Object.fromEntries(
    ["status", "from", "to", "q", "cursor", "attention"].map((k) => [k, get(k) || undefined] as const),
  );
  return filtersSchema.parse(raw);
}

/** The query string of a view (without the cursor unless asked), for links and the export. */
export function filtersToQuery(f: PaymentFilters, extra: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({
    status: f.status,
    from: f.from,
    to: f.to,
    q: f.q,
    attention: f.attention,
    ...extra,
  })) {
    if (v) params.set(k, v);
  }
  const s = params.toString();
  return s ? `?${s}` : "";
}
