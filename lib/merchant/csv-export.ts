import { Readable } from "node:stream";
import { stringify } from "csv-stringify";
import type { Db } from "../db";
import { readableTxnDate } from "../kaspi/checkpay-schemas";
import { formatAlmaty } from "./almaty-time";
import type { PaymentFilters } from "./payment-filters";
import { allPayments, type PaymentRow } from "./payments-query";

// The CSV export of a filtered list: streamed (rows are read a batch at a time and written as
// they come), UTF-8 with a BOM so Excel opens Cyrillic correctly, "," or ";" between fields
// (Excel with a Russian locale expects ";"). csv-stringify does the quoting.

export type CsvDelimiter = "," | ";";

const COLUMNS = [
  "created_at_almaty",
  "payment_id",
  "order_external_id",
  "account_number",
  "attempt",
  "kaspi_payment_id",
  "phone",
  "amount_kzt",
  "refunded_kzt",
  "status",
  "paid_at_almaty",
  // The sale's fiscal receipt: its fiscal sign and the OFD's consumer link (lib/fiscal/).
  "receipt_fiscal_sign",
  "receipt_url",
  // check/pay: Kaspi's own txn_date of the pay, the date Kaspi's settlements are reconciled by.
  "kaspi_txn_date",
] as const;

/** A cell that a spreadsheet would run as a formula gets a leading apostrophe (CSV injection). */
export function neutralize(value: string | null | undefined): string {
  if (!value) return "";
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export function csvRecord(row: PaymentRow): (string | number)[] {
  return [
    formatAlmaty(row.createdAt, "ru", true),
    row.id,
    neutralize(row.order.externalId),
    neutralize(row.order.accountNumber),
    row.attempt,
    neutralize(row.kaspiPaymentId),
    row.order.phone ?? "", // normalised by intake to +7 and digits: never a formula
    row.amount,
    row.refundedAmount,
    row.status,
    row.paidAt ? formatAlmaty(row.paidAt, "ru", true) : "",
    neutralize(row.receipts[0]?.checkNumber),
    neutralize(row.receipts[0]?.ticketUrl),
    row.kaspiTxnDate ? readableTxnDate(row.kaspiTxnDate) : "",
  ];
}

export function paymentsCsvStream(
  db: Db,
  storeId: string,
  filters: PaymentFilters,
  delimiter: CsvDelimiter,
): ReadableStream<Uint8Array> {
  const records = Readable.from(
    (async function* () {
      for await (const row of allPayments(db, storeId, { ...filters, cursor: undefined })) yield csvRecord(row);
    })(),
  );
  const csv = stringify({ bom: true, delimiter, header: true, columns: [...COLUMNS], record_delimiter: "windows" });
  records.on("error", (e) => csv.destroy(e));
  return Readable.toWeb(records.pipe(csv)) as ReadableStream<Uint8Array>;
}
