import type { VatRate } from "../../payments/order-items";
import { lineSum } from "../../payments/order-items";
import type {
  BeforeRequest,
  FindOutcome,
  FiscalProvider,
  IssuedReceipt,
  ReceiptDocument,
  RegisterOutcome,
  ReturnBasis,
  ServiceError,
  ShiftOutcome,
} from "../port";
import { vatOf } from "../receipt-document";
import {
  cashboxesSchema,
  checkDataSchema,
  historyDataSchema,
  historyItemSchema,
  tokenSchema,
  zReportSchema,
} from "./envelope";
import { HALT_CODES, SESSION_CODES, WK, describeCode } from "./error-codes";
import { postWebkassa, type WebkassaHttp, type WireAnswer } from "./http";

// The fiscal port for Webkassa API v4 (docs/fiscal.md). Sources, as named there:
// PM = Webkassa's Postman collection "Интеграторы_v4-2.0.3" (VitalyKravtsov2016/OposWebkassa
// doc/Webkassa/2.0.3/postman-collection.json); DP = that repository's WebkassaClient.pas; AN/AR =
// shtefanov/webkassa-iikofront-adapter docs/webkassa-api-v4-notes.md and docs/return-recovery-flow.md.
//
// - Authorize {Login, Password} → Data.Token, carried in the body of later requests (PM). The token
//   is kept in this process; a 2 (session expired) or 3 (not authorised) answer makes it authorise
//   again once and repeat the request (DP re-authorises on 2 and repeats).
// - check: OperationType 2 sale / 3 sale return, Positions, Payments, ExternalCheckNumber (PM: the
//   field that makes a repeat after a lost answer safe), ReturnBasisDetails for returns (PM, and
//   Webkassa's note on protocol 2.0.3 in the same folder).
// - A lost answer is found again with Check/History of the current and previous shifts, the shift
//   numbers from Cashboxes (PM); AR's recipe: never a new number until the old one is known absent.
// - ZReport closes the open shift (PM); 12/13 on it mean there was nothing to close.

export type WebkassaSettings = WebkassaHttp & {
  login: string;
  password: string;
  cashboxId: string;
};

/** Webkassa's units reference: 796 = piece (PM, references/RefUnits). Weighed goods are an inference. */
const UNIT_PIECE = 796;
/** PM's RoundType: 0 no rounding (the lines already add up to the whole-tenge total). */
const ROUND_NONE = 0;
/** How many shifts back a lost receipt is looked for, and pages of 50 per shift. */
const SHIFTS_BACK = 3;
const PAGE = 50;
const MAX_PAGES = 40;

function taxOf(sum: number, rate: VatRate): { TaxType: number; TaxPercent: number; Tax: number } {
  // PM: TaxType 100 = VAT (every VAT example sends 100; DP TaxTypeVAT = 100), 0 = no tax.
  if (rate === null) return { TaxType: 0, TaxPercent: 0, Tax: 0 };
  return { TaxType: 100, TaxPercent: rate, Tax: vatOf(sum, rate) };
}

export function positionsOf(document: ReceiptDocument) {
  return document.lines.map((line) => ({
    Count: line.quantity,
    Price: line.price,
    ...taxOf(lineSum(line), line.vatRate),
    PositionName: line.name,
    UnitCode: UNIT_PIECE,
  }));
}

/**
 * "dd.MM.yyyy HH:mm:ss" (Webkassa's local time, +05:00, PM) as PM's ISO form of
 * ReturnBasisDetails.DateTime ("2025-09-10T06:22:21.567Z"); ISO input is passed through.
 */
export function basisDateTime(printed: string): string {
  const m = /^(\d{2})\.(\d{2})\.(\d{4}) (\d{2}):(\d{2}):(\d{2})/.exec(printed.trim());
  if (!m) return printed;
  const [, dd, mm, yyyy, hh, mi, ss] = m;
  return new Date(`${yyyy}-${mm}-${dd}T${hh}:${mi}:${ss}+05:00`).toISOString();
}

export function checkRequest(input: {
  cashboxId: string;
  document: ReceiptDocument;
  externalCheckNumber: string;
  basis?: ReturnBasis;
}): Record<string, unknown> {
  const { document } = input;
  return {
    CashboxUniqueNumber: input.cashboxId,
    OperationType: document.operation === "sale" ? 2 : 3,
    Positions: positionsOf(document),
    // PM: each payment type at most once; a Kaspi payment is one payment of the whole total.
    Payments: [{ Sum: document.total, PaymentType: document.paymentType }],
    RoundType: ROUND_NONE,
    ExternalCheckNumber: input.externalCheckNumber,
    ExternalOrderNumber: document.orderNumber,
    ...(document.customerEmail ? { CustomerEmail: document.customerEmail } : {}),
    ...(document.customerPhone ? { CustomerPhone: document.customerPhone } : {}),
    ...(input.basis
      ? {
          ReturnBasisDetails: {
            CheckNumber: input.basis.checkNumber,
            DateTime: basisDateTime(input.basis.dateTime),
            RegistrationNumber: input.basis.registrationNumber,
            Total: input.basis.total,
            IsOffline: input.basis.offline,
          },
        }
      : {}),
  };
}

function issuedFromCheck(data: unknown): IssuedReceipt | null {
  const d = checkDataSchema.safeParse(data);
  if (!d.success) return null;
  return {
    checkNumber: d.data.checknumber,
    dateTime: d.data.datetime,
    shiftNumber: d.data.shiftnumber ?? null,
    orderNumber: d.data.checkordernumber ?? null,
    registrationNumber: d.data.cashbox?.registrationnumber ?? d.data.cashboxregistrationnumber ?? null,
    offline: d.data.offlinemode ?? false,
    ticketUrl: d.data.ticketurl ?? null,
    ticketPrintUrl: d.data.ticketprinturl ?? null,
  };
}

function issuedFromHistory(item: ReturnType<typeof historyItemSchema.parse>): IssuedReceipt {
  return {
    checkNumber: item.number,
    dateTime: item.registratedon,
    shiftNumber: item.shiftnumber ?? null,
    orderNumber: item.ordernumber ?? null,
    registrationNumber: item.cashboxregistrationnumber ?? null,
    offline: item.isoffline ?? false,
    ticketUrl: item.ticketurl ?? null,
    ticketPrintUrl: item.ticketprinturl ?? null,
  };
}

const firstError = (a: Extract<WireAnswer, { kind: "errors" }>): ServiceError => {
  const e = a.errors[0] ?? { code: WK.UNKNOWN, text: "" };
  return { code: e.code, message: describeCode(e.code, e.text) };
};

type Session = { answer: WireAnswer } | { halt: ServiceError } | { unavailable: string };

export function createWebkassaProvider(settings: WebkassaSettings): FiscalProvider {
  let token: string | null = null;

  async function authorize(
    before: BeforeRequest,
  ): Promise<{ token: string } | { halt: ServiceError } | { unavailable: string }> {
    await before();
    const answer = await postWebkassa(settings, "/api/v4/Authorize", {
      Login: settings.login,
      Password: settings.password,
    });
    if (answer.kind === "transport") return { unavailable: `Authorize: ${answer.message}` };
    if (answer.kind === "errors") {
      const error = firstError(answer);
      // A wrong login or password never heals by itself (PM: code 1).
      return HALT_CODES.includes(error.code) ? { halt: error } : { unavailable: `Authorize: ${error.message}` };
    }
    const parsed = tokenSchema.safeParse(answer.data);
    if (!parsed.success) return { unavailable: "Authorize answered without Data.Token" };
    return { token: parsed.data.token };
  }

  /** One request with the session token; on 2/3 a fresh token and one repeat (never more). */
  async function withSession(before: BeforeRequest, path: string, body: Record<string, unknown>): Promise<Session> {
    for (let round = 0; round < 2; round++) {
      if (!token || round === 1) {
        const auth = await authorize(before);
        if ("halt" in auth) return { halt: auth.halt };
        if ("unavailable" in auth) return { unavailable: auth.unavailable };
        token = auth.token;
      }
      await before();
      const answer = await postWebkassa(settings, path, { Token: token, ...body });
      if (answer.kind === "errors" && answer.errors.some((e) => SESSION_CODES.includes(e.code))) {
        token = null;
        if (round === 0) continue;
        return { unavailable: `${path}: the session expired again right after a new Authorize` };
      }
      return { answer };
    }
    return { unavailable: `${path}: no session` };
  }

  async function currentShift(
    before: BeforeRequest,
  ): Promise<{ shift: number | null } | { halt: ServiceError } | { unavailable: string }> {
    const s = await withSession(before, "/api/v4/Cashboxes", {});
    if (!("answer" in s)) return s;
    const { answer } = s;
    if (answer.kind === "transport") return { unavailable: `Cashboxes: ${answer.message}` };
    if (answer.kind === "errors") {
      const error = firstError(answer);
      return HALT_CODES.includes(error.code) ? { halt: error } : { unavailable: `Cashboxes: ${error.message}` };
    }
    const list = cashboxesSchema.safeParse(answer.data);
    if (!list.success) return { unavailable: "Cashboxes answered an unexpected shape" };
    const mine = list.data.list.find((c) => c.uniquenumber.toLowerCase() === settings.cashboxId.toLowerCase());
    if (!mine) {
      return {
        halt: {
          code: WK.REGISTER_NOT_FOUND,
          message: describeCode(
            WK.REGISTER_NOT_FOUND,
            `${settings.cashboxId} is not among the account's cash registers`,
          ),
        },
      };
    }
    // PM: CurrentStatus 2 = blocked by the OFD (also 4 data integrity broken, 5 deregistered).
    if (mine.currentstatus === 2 || mine.currentstatus === 4 || mine.currentstatus === 5) {
      return {
        halt: {
          code: WK.REGISTER_BLOCKED,
          message: describeCode(WK.REGISTER_BLOCKED, `CurrentStatus ${mine.currentstatus}`),
        },
      };
    }
    return { shift: mine.shift ?? null };
  }

  return {
    name: "webkassa",
    cashboxId: settings.cashboxId,

    async register(input, before): Promise<RegisterOutcome> {
      const s = await withSession(before, "/api/v4/check", checkRequest({ cashboxId: settings.cashboxId, ...input }));
      if ("halt" in s) return { kind: "halt", error: s.halt };
      // Authorize failed: no receipt request was sent.
      if ("unavailable" in s) return { kind: "unavailable", message: s.unavailable, maybeSent: false };
      const { answer } = s;
      if (answer.kind === "transport")
        return { kind: "unavailable", message: `check: ${answer.message}`, maybeSent: answer.maybeSent };
      if (answer.kind === "data") {
        const receipt = issuedFromCheck(answer.data);
        // A 200 we cannot read may still be a receipt: look it up before anything else.
        return receipt
          ? { kind: "issued", receipt }
          : { kind: "unavailable", message: "check: an answer without CheckNumber", maybeSent: true };
      }
      const error = firstError(answer);
      // 14: the number is known. Its receipt comes with the answer sometimes (AC), sometimes not (AN).
      if (error.code === WK.DUPLICATE_EXTERNAL_NUMBER) {
        const receipt = issuedFromCheck(answer.data);
        return receipt ? { kind: "duplicate", receipt } : { kind: "duplicate" };
      }
      if (error.code === WK.SHIFT_OVER_24H) return { kind: "shift-expired", error };
      if (HALT_CODES.includes(error.code)) return { kind: "halt", error };
      if (error.code === WK.HOST_UNAVAILABLE || error.code === WK.NO_OPEN_SHIFT) {
        return { kind: "unavailable", message: `check: ${error.message}`, maybeSent: false };
      }
      return { kind: "refused", error };
    },

    async find(input, before): Promise<FindOutcome> {
      const current = await currentShift(before);
      if ("halt" in current) return { kind: "halt", error: current.halt };
      if ("unavailable" in current) return { kind: "unavailable", message: current.unavailable };
      if (current.shift === null) return { kind: "absent" };
      const wanted = input.externalCheckNumber.toLowerCase();
      for (let shift = current.shift; shift >= Math.max(1, current.shift - SHIFTS_BACK); shift--) {
        for (let page = 0; page < MAX_PAGES; page++) {
          const s = await withSession(before, "/api/v4/Check/History", {
            CashboxUniqueNumber: settings.cashboxId,
            ShiftNumber: shift,
            Skip: page * PAGE,
            Take: PAGE,
          });
          if ("halt" in s) return { kind: "halt", error: s.halt };
          if ("unavailable" in s) return { kind: "unavailable", message: s.unavailable };
          const { answer } = s;
          if (answer.kind === "transport") return { kind: "unavailable", message: `Check/History: ${answer.message}` };
          if (answer.kind === "errors") {
            const error = firstError(answer);
            if (error.code === WK.SHIFT_NOT_FOUND) break; // no such shift: the next one back
            if (HALT_CODES.includes(error.code)) return { kind: "halt", error };
            return { kind: "unavailable", message: `Check/History: ${error.message}` };
          }
          const data = historyDataSchema.safeParse(answer.data);
          if (!data.success) return { kind: "unavailable", message: "Check/History answered an unexpected shape" };
          const d = data.data;
          const rows: unknown[] = Array.isArray(d) ? d : "items" in d ? (d.items as unknown[]) : (d.rows as unknown[]);
          for (const row of rows) {
            const item = historyItemSchema.safeParse(row);
            if (item.success && item.data.externalchecknumber?.toLowerCase() === wanted) {
              return { kind: "found", receipt: issuedFromHistory(item.data) };
            }
          }
          if (rows.length < PAGE) break;
        }
      }
      return { kind: "absent" };
    },

    async closeShift(before): Promise<ShiftOutcome> {
      const s = await withSession(before, "/api/v4/ZReport", { CashboxUniqueNumber: settings.cashboxId });
      if ("halt" in s) return { kind: "halt", error: s.halt };
      if ("unavailable" in s) return { kind: "unavailable", message: s.unavailable };
      const { answer } = s;
      if (answer.kind === "transport") return { kind: "unavailable", message: `ZReport: ${answer.message}` };
      if (answer.kind === "errors") {
        const error = firstError(answer);
        if (error.code === WK.SHIFT_ALREADY_CLOSED || error.code === WK.NO_OPEN_SHIFT) return { kind: "nothing-open" };
        if (HALT_CODES.includes(error.code)) return { kind: "halt", error };
        if (error.code === WK.HOST_UNAVAILABLE) return { kind: "unavailable", message: `ZReport: ${error.message}` };
        return { kind: "refused", error };
      }
      const report = zReportSchema.safeParse(answer.data);
      return { kind: "closed", shiftNumber: report.success ? (report.data.shiftnumber ?? null) : null };
    },
  };
}
