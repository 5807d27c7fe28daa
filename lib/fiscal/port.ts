import type { VatRate } from "../payments/order-items";

// The fiscal port: what the receipt use cases need from an online cash register service, and
// nothing of how one speaks. lib/fiscal/webkassa/ implements it for Webkassa (docs/fiscal.md);
// tests use the same adapter against the built-in simulator. Every method answers a typed outcome
// and never throws for anything the service or the network does: whether to retry is in the type.

export type ReceiptLine = { name: string; quantity: number; price: number; vatRate: VatRate };

/** What a receipt says, stored with it (FiscalReceipt.document) so every attempt sends the same. */
export type ReceiptDocument = {
  operation: "sale" | "return";
  lines: ReceiptLine[];
  /** Whole tenge: the payment (sale) or the refund (return); what the lines add up to. */
  total: number;
  /** How the buyer paid (Webkassa's PaymentType: 4 mobile payment, 1 bank card). */
  paymentType: 1 | 4;
  /** The store's order number, printed on the receipt. */
  orderNumber: string;
  customerEmail?: string;
  customerPhone?: string;
};

/** The sale a return refers to (Webkassa's ReturnBasisDetails, docs/fiscal.md §4). */
export type ReturnBasis = {
  checkNumber: string;
  /** The sale's date and time as the service printed it (local time, +05:00). */
  dateTime: string;
  registrationNumber: string;
  total: number;
  offline: boolean;
};

/** A receipt the service registered: what the merchant, the shopper and a later return need. */
export type IssuedReceipt = {
  /** The fiscal sign. */
  checkNumber: string;
  dateTime: string;
  shiftNumber: number | null;
  /** Number within the shift. */
  orderNumber: number | null;
  /** The cash register's registration number at the tax authority (РНМ). */
  registrationNumber: string | null;
  offline: boolean;
  /** The fiscal data operator's consumer link (what the QR code on a paper receipt holds). */
  ticketUrl: string | null;
  ticketPrintUrl: string | null;
};

export type ServiceError = { code: number; message: string };

/**
 * One attempt to register a receipt:
 * - issued: registered now;
 * - duplicate: the external number is known (an earlier attempt got through); the receipt when the
 *   answer carries it, else it must be looked up;
 * - shift-expired: the shift is older than 24 h: close it, then try again;
 * - halt: the cash register or the account cannot work (blocked, not activated, offline too long,
 *   wrong login …): stop sending anything and tell a person;
 * - refused: this receipt is refused for good (a person must look);
 * - unavailable: no answer or a transient failure; `maybeSent` when the request may have arrived.
 */
export type RegisterOutcome =
  | { kind: "issued"; receipt: IssuedReceipt }
  | { kind: "duplicate"; receipt?: IssuedReceipt }
  | { kind: "shift-expired"; error: ServiceError }
  | { kind: "halt"; error: ServiceError }
  | { kind: "refused"; error: ServiceError }
  | { kind: "unavailable"; message: string; maybeSent: boolean };

export type FindOutcome =
  | { kind: "found"; receipt: IssuedReceipt }
  | { kind: "absent" }
  | { kind: "halt"; error: ServiceError }
  | { kind: "unavailable"; message: string };

export type ShiftOutcome =
  | { kind: "closed"; shiftNumber: number | null }
  /** No open shift: nothing to close (docs/fiscal.md §5: 12 already closed, 13 none open). */
  | { kind: "nothing-open" }
  | { kind: "halt"; error: ServiceError }
  | { kind: "refused"; error: ServiceError }
  | { kind: "unavailable"; message: string };

/**
 * Called before every request the adapter sends: the use case renews its lease on the cash
 * register there, and throws LeaseLost when another instance holds it (nothing is sent then).
 */
export type BeforeRequest = () => Promise<void>;

export class LeaseLost extends Error {
  override name = "LeaseLost";
}

export interface FiscalProvider {
  readonly name: "webkassa";
  /** The cash register receipts go to (one lease per register). */
  readonly cashboxId: string;
  register(
    input: { document: ReceiptDocument; externalCheckNumber: string; basis?: ReturnBasis },
    before: BeforeRequest,
  ): Promise<RegisterOutcome>;
  /** Looks a receipt up by its external number in the shifts since `since` (a lost answer). */
  find(input: { externalCheckNumber: string; since: Date }, before: BeforeRequest): Promise<FindOutcome>;
  /** Closes the open shift (Z report). */
  closeShift(before: BeforeRequest): Promise<ShiftOutcome>;
}
