import { z } from "zod";

// Webkassa API v4's envelope and the answers the adapter reads (docs/fiscal.md §1–§7; Webkassa's
// own Postman collection "Интеграторы_v4-2.0.3" as copied in VitalyKravtsov2016/OposWebkassa
// doc/Webkassa/2.0.3/postman-collection.json). Success is { Data }, a refusal { Errors: [{ Code,
// Text }] }, both with HTTP 200 as far as the sources show. Field names are case-insensitive there
// (the collection itself mixes CashboxUniqueNumber and cashboxUniqueNumber), so every key is read
// lower-cased.

/** A copy of a JSON value with every object key lower-cased. */
export function caseless(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(caseless);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.toLowerCase(), caseless(v)]));
  }
  return value;
}

const text = z.union([z.string(), z.number()]).transform(String);
const int = z.union([z.number(), z.string().regex(/^\d+$/)]).transform(Number);

export const envelopeSchema = z.object({
  data: z.unknown().optional(),
  errors: z
    .array(
      z
        .object({
          code: z.union([z.number(), z.string().regex(/^-?\d+$/)]).transform(Number),
          text: z.string().optional(),
        })
        .loose(),
    )
    .optional()
    .nullable(),
});

/** Authorize → Data.Token. */
export const tokenSchema = z.object({ token: z.string().min(1) }).loose();

/**
 * check → Data: CheckNumber (fiscal sign), DateTime (dd.MM.yyyy HH:mm:ss, local), ShiftNumber,
 * CheckOrderNumber, Cashbox.RegistrationNumber, OfflineMode, TicketUrl, TicketPrintUrl (the
 * collection's example). The flat form some integrations show (CashboxRegistrationNumber at the
 * top, shtefanov/webkassa-iikofront-adapter tests/fixtures/webkassa) is read too.
 */
export const checkDataSchema = z
  .object({
    checknumber: text,
    datetime: z.string(),
    shiftnumber: int.optional().nullable(),
    checkordernumber: int.optional().nullable(),
    offlinemode: z.boolean().optional().nullable(),
    cashbox: z.object({ registrationnumber: text.optional().nullable() }).loose().optional().nullable(),
    cashboxregistrationnumber: text.optional().nullable(),
    ticketurl: z.string().optional().nullable(),
    ticketprinturl: z.string().optional().nullable(),
  })
  .loose();

/** Check/History → Data.Items[] (the collection), or Data.Rows[] / a bare Data array (shtefanov … docs/return-recovery-flow.md). */
export const historyItemSchema = z
  .object({
    number: text,
    ordernumber: int.optional().nullable(),
    registratedon: z.string(),
    shiftnumber: int.optional().nullable(),
    operationtype: int.optional().nullable(),
    total: z.number().optional().nullable(),
    isoffline: z.boolean().optional().nullable(),
    ticketurl: z.string().optional().nullable(),
    ticketprinturl: z.string().optional().nullable(),
    externalchecknumber: z.string().optional().nullable(),
    cashboxregistrationnumber: text.optional().nullable(),
  })
  .loose();

export const historyDataSchema = z.union([
  z.object({ items: z.array(z.unknown()), total: int.optional().nullable() }).loose(),
  z.object({ rows: z.array(z.unknown()), total: int.optional().nullable() }).loose(),
  z.array(z.unknown()),
]);

/** Cashboxes → Data.List[{ UniqueNumber, RegistrationNumber, CurrentStatus (1 active, 2 blocked by OFD …), Shift }]. */
export const cashboxesSchema = z
  .object({
    list: z.array(
      z
        .object({
          uniquenumber: z.string(),
          registrationnumber: text.optional().nullable(),
          currentstatus: int.optional().nullable(),
          shift: int.optional().nullable(),
        })
        .loose(),
    ),
  })
  .loose();

/** ZReport → Data: the closed shift's report (ShiftNumber among its fields). */
export const zReportSchema = z.object({ shiftnumber: int.optional().nullable() }).loose();
