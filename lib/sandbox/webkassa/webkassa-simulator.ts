import { randomBytes, randomInt } from "node:crypto";
import type { Db } from "../../db";
import { isUniqueViolation } from "../../db";
import { caseless } from "../../fiscal/webkassa/envelope";
import { SANDBOX_WEBKASSA } from "../../fiscal/settings";
import { takeWebkassaFault, type WebkassaFault, type WebkassaOperation } from "./webkassa-faults";

// The built-in Webkassa: an HTTP simulator of the API v4 endpoints the app uses, modelled on
// Webkassa's own Postman collection "Интеграторы_v4-2.0.3" (PM; VitalyKravtsov2016/OposWebkassa
// doc/Webkassa/2.0.3/postman-collection.json) and the error codes of docs/fiscal.md §7. It keeps
// its receipts, shifts and sessions in the database (SandboxWebkassa*), so every app process shares
// one "Webkassa". What it does, and from where:
// - every request is a POST with a JSON body and the x-api-key header (PM); answers are
//   { Data } or { Errors: [{ Code, Text }] }, with HTTP 200 both (PM's error example; AC's tests);
// - Authorize {Login, Password} → Data.Token, carried in the body later; a wrong pair → 1 (PM, DP);
//   sessions last 24 hours (an unidentified note, docs/fiscal.md §2: an inference), then → 2;
// - check: OperationType 2 sale / 3 sale return, the receipt's Data as PM's example shows it;
//   a known ExternalCheckNumber → 14 (PM "Чек уже существует в системе"); the shift opens with the
//   first receipt (docs/fiscal.md §5, an inference from PM's data); a shift older than 24 h → 11;
//   a return without ReturnBasisDetails → 255 "…необходимо передать данные чека основания" (AC);
//   amounts, taxes and payments are checked (→ 9, docs/fiscal.md §8); a second request to the same
//   register while one is running → 9 "sequence" (AE: code 9 also covers a broken sequence; §10);
// - ZReport closes the open shift; none open → 12 if one was ever closed, else 13 (§5, §10);
// - Check/History {ShiftNumber, Skip, Take} → Data {Total, Items} (PM); an unknown shift → 15;
// - Cashboxes → Data.List with the register's current shift and CurrentStatus (PM).

export const SIMULATED_REGISTRATION_NUMBER = "000000000001";
const ORGANIZATION = { TaxPayerName: "ТОО «Песочница» (sandbox)", TaxPayerIN: "000000000000" };
const TOKEN_LIFETIME_MS = 24 * 3_600_000;
const SHIFT_LIMIT_MS = 24 * 3_600_000;

type Answer = { status: number; body: unknown; after?: "drop" | { holdMs: number } };
type Json = Record<string, unknown>;

const ok = (data: unknown): Answer => ({ status: 200, body: { Data: data } });
const refuse = (code: number, text: string, data?: unknown): Answer => ({
  status: 200,
  body: { Errors: [{ Code: code, Text: text }], ...(data === undefined ? {} : { Data: data }) },
});

/**
 * Requests being answered per register, in this process: a second one at once is code 9. On
 * globalThis because Next evaluates lib/ once per bundle (instrumentation, proxy, routes; see
 * instrumentation.ts), and the count must be one per process.
 */
const holder = globalThis as unknown as { __webkassaSim?: { inFlight: Map<string, number>; maxInFlight: number } };
function state() {
  holder.__webkassaSim ??= { inFlight: new Map(), maxInFlight: 0 };
  return holder.__webkassaSim;
}

/** The most requests to one register this process ever answered at once (tests: must stay 1). */
export function simulatorConcurrency(): { maxInFlight: number } {
  return { maxInFlight: state().maxInFlight };
}
export function resetSimulatorConcurrency(): void {
  state().maxInFlight = 0;
}

/** "14.09.2025 16:55:37" in Webkassa's local time (+05:00, PM's DateTimeUTC). */
export function printedTime(at: Date): string {
  const local = new Date(at.getTime() + 5 * 3_600_000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(local.getUTCDate())}.${p(local.getUTCMonth() + 1)}.${local.getUTCFullYear()} ${p(local.getUTCHours())}:${p(local.getUTCMinutes())}:${p(local.getUTCSeconds())}`;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export type SimulatorContext = { db: Db; publicUrl: string };

async function sessionError(db: Db, token: unknown): Promise<Answer | null> {
  if (typeof token !== "string" || !token) return refuse(3, "Пользователь не авторизован");
  const session = await db.sandboxWebkassaToken.findUnique({ where: { token } });
  if (!session) return refuse(3, "Пользователь не авторизован");
  if (session.expiresAt.getTime() <= Date.now()) return refuse(2, "Срок действия сессии истек");
  return null;
}

async function openShift(db: Db, cashbox: string) {
  return db.sandboxWebkassaShift.findFirst({ where: { cashbox, closedAt: null }, orderBy: { number: "desc" } });
}

async function lastShiftNumber(db: Db, cashbox: string): Promise<number> {
  const last = await db.sandboxWebkassaShift.findFirst({ where: { cashbox }, orderBy: { number: "desc" } });
  return last?.number ?? 0;
}

function receiptData(
  ctx: SimulatorContext,
  check: {
    id: string;
    shiftNumber: number;
    orderNumber: number;
    registeredAt: Date;
    externalCheckNumber: string;
    total: number;
  },
): Json {
  const time = printedTime(check.registeredAt);
  return {
    CheckNumber: check.id,
    DateTime: time,
    DateTimeUTC: `${time} +05:00`,
    OfflineMode: false,
    CashboxOfflineMode: false,
    Cashbox: {
      UniqueNumber: SANDBOX_WEBKASSA.cashboxId,
      RegistrationNumber: SIMULATED_REGISTRATION_NUMBER,
      IdentityNumber: "1",
      Address: "Sandbox",
      Ofd: { Name: "Sandbox OFD", NameKz: "Sandbox OFD", NameEn: "Sandbox OFD", Host: "sandbox", Code: 4 },
    },
    Organization: ORGANIZATION,
    CheckOrderNumber: check.orderNumber,
    ShiftNumber: check.shiftNumber,
    EmployeeName: "Sandbox cashier",
    TicketUrl: `${ctx.publicUrl}/sandbox/webkassa/ticket/${check.id}`,
    TicketPrintUrl: `${ctx.publicUrl}/sandbox/webkassa/ticket/${check.id}?print=1&extnum=${encodeURIComponent(check.externalCheckNumber)}`,
  };
}

function historyItem(
  ctx: SimulatorContext,
  c: {
    id: string;
    externalCheckNumber: string;
    operationType: number;
    shiftNumber: number;
    orderNumber: number;
    total: number;
    registeredAt: Date;
  },
): Json {
  const time = printedTime(c.registeredAt);
  return {
    CashboxUniqueNumber: SANDBOX_WEBKASSA.cashboxId,
    CashboxRegistrationNumber: SIMULATED_REGISTRATION_NUMBER,
    Number: c.id,
    OrderNumber: c.orderNumber,
    RegistratedOn: time,
    RegistratedOnUTC: `${time} +05:00`,
    ShiftNumber: c.shiftNumber,
    OperationType: c.operationType,
    Total: c.total,
    IsOffline: false,
    TicketUrl: `${ctx.publicUrl}/sandbox/webkassa/ticket/${c.id}`,
    ExternalCheckNumber: c.externalCheckNumber,
  };
}

/** Amounts, taxes and payments of a receipt request, as Webkassa would refuse them (code 9). */
function validate(body: Json): string | null {
  const op = body.operationtype;
  if (op !== 2 && op !== 3) return "OperationType: the simulator takes 2 (sale) and 3 (sale return)";
  const positions = body.positions;
  if (!Array.isArray(positions) || positions.length === 0) return "Positions: at least one position";
  let total = 0;
  for (const [i, raw] of positions.entries()) {
    const p = raw as Json;
    const count = p.count;
    const price = p.price;
    if (typeof count !== "number" || count <= 0) return `Positions[${i}].Count must be more than 0`;
    if (typeof price !== "number" || price < 0) return `Positions[${i}].Price must not be negative`;
    if (typeof p.positionname !== "string" || !p.positionname.trim()) return `Positions[${i}].PositionName is required`;
    const sum = round2(count * price - Number(p.discount ?? 0) + Number(p.markup ?? 0));
    if (p.taxtype === 0) {
      if (Number(p.tax ?? 0) !== 0) return `Positions[${i}].Tax must be 0 without VAT`;
    } else if (p.taxtype === 100) {
      const rate = Number(p.taxpercent);
      if (!Number.isFinite(rate) || rate < 0) return `Positions[${i}].TaxPercent is required with TaxType 100`;
      const expected = round2((sum * rate) / (100 + rate));
      if (Math.abs(Number(p.tax) - expected) > 0.011) return `Positions[${i}].Tax must be ${expected}`;
    } else return `Positions[${i}].TaxType must be 0 or 100`;
    total += sum;
  }
  const payments = body.payments;
  if (!Array.isArray(payments) || payments.length === 0) return "Payments: at least one payment";
  const types = new Set<unknown>();
  let paid = 0;
  for (const raw of payments) {
    const p = raw as Json;
    if (![0, 1, 4].includes(p.paymenttype as number)) return "Payments[].PaymentType must be 0, 1 or 4";
    if (types.has(p.paymenttype)) return "Payments: each PaymentType at most once";
    types.add(p.paymenttype);
    paid += Number(p.sum);
  }
  if (Math.abs(round2(paid) - round2(total)) > 0.001)
    return `Payments add up to ${round2(paid)}, the positions to ${round2(total)}`;
  const ecn = body.externalchecknumber;
  if (typeof ecn !== "string" || !ecn || ecn.length > 50) return "ExternalCheckNumber: 1 to 50 characters";
  return null;
}

async function returnBasisError(db: Db, body: Json): Promise<Answer | null> {
  if (body.operationtype !== 3) return null;
  const basis = body.returnbasisdetails as Json | undefined;
  // AC: "[255] Для типа операции Возврат продажи необходимо передать данные чека основания".
  if (!basis || !basis.checknumber)
    return refuse(255, "Для типа операции Возврат продажи необходимо передать данные чека основания");
  const sale = await db.sandboxWebkassaCheck.findUnique({ where: { id: String(basis.checknumber) } });
  const saleTime = sale ? sale.registeredAt.getTime() : NaN;
  const basisTime = Date.parse(String(basis.datetime ?? ""));
  if (
    !sale ||
    sale.operationType !== 2 ||
    String(basis.registrationnumber) !== SIMULATED_REGISTRATION_NUMBER ||
    Number(basis.total) !== sale.total ||
    basis.isoffline !== false ||
    !(Math.abs(Math.floor(saleTime / 1000) - Math.floor(basisTime / 1000)) < 1)
  ) {
    return refuse(255, "Данные чека основания не совпадают с зарегистрированным чеком продажи");
  }
  return null;
}

async function check(ctx: SimulatorContext, body: Json, fault: WebkassaFault | null): Promise<Answer> {
  const { db } = ctx;
  const session = await sessionError(db, body.token);
  if (session) return session;
  if (body.cashboxuniquenumber !== SANDBOX_WEBKASSA.cashboxId)
    return refuse(6, "Касса не зарегистрирована в системе или не доступна пользователю");
  const invalid = validate(body);
  if (invalid) return refuse(9, `Ошибка валидации данных: ${invalid}`);
  const ecn = String(body.externalchecknumber);
  const known = await db.sandboxWebkassaCheck.findUnique({
    where: { cashbox_externalCheckNumber: { cashbox: SANDBOX_WEBKASSA.cashboxId, externalCheckNumber: ecn } },
  });
  if (known)
    return refuse(
      14,
      "Дублирующийся код системы-источника",
      fault?.kind === "duplicate_data" ? receiptData(ctx, known) : undefined,
    );
  const basis = await returnBasisError(db, body);
  if (basis) return basis;
  let shift = await openShift(db, SANDBOX_WEBKASSA.cashboxId);
  if (shift && Date.now() - shift.openedAt.getTime() > SHIFT_LIMIT_MS) {
    return refuse(11, "Продолжительность смены превышает 24 часа");
  }
  if (!shift) {
    const number = (await lastShiftNumber(db, SANDBOX_WEBKASSA.cashboxId)) + 1;
    shift = await db.sandboxWebkassaShift.create({
      data: {
        id: `${SANDBOX_WEBKASSA.cashboxId}-${number}`,
        cashbox: SANDBOX_WEBKASSA.cashboxId,
        number,
        openedAt: new Date(),
      },
    });
  }
  const inShift = await db.sandboxWebkassaCheck.count({
    where: { cashbox: SANDBOX_WEBKASSA.cashboxId, shiftNumber: shift.number },
  });
  const payments = (body.payments as Json[]).reduce((a, p) => a + Number(p.sum), 0);
  const { token: _token, ...request } = body;
  try {
    const created = await db.sandboxWebkassaCheck.create({
      data: {
        id: String(randomInt(100_000_000, 999_999_999)) + String(randomInt(100, 999)),
        cashbox: SANDBOX_WEBKASSA.cashboxId,
        externalCheckNumber: ecn,
        operationType: Number(body.operationtype),
        shiftNumber: shift.number,
        orderNumber: inShift + 1,
        total: round2(payments),
        request: JSON.stringify(request),
      },
    });
    return ok(receiptData(ctx, created));
  } catch (e) {
    if (isUniqueViolation(e)) return refuse(14, "Дублирующийся код системы-источника");
    throw e;
  }
}

async function zReport(ctx: SimulatorContext, body: Json): Promise<Answer> {
  const { db } = ctx;
  const session = await sessionError(db, body.token);
  if (session) return session;
  if (body.cashboxuniquenumber !== SANDBOX_WEBKASSA.cashboxId)
    return refuse(6, "Касса не зарегистрирована в системе или не доступна пользователю");
  const shift = await openShift(db, SANDBOX_WEBKASSA.cashboxId);
  if (!shift) {
    return (await lastShiftNumber(db, SANDBOX_WEBKASSA.cashboxId)) > 0
      ? refuse(12, "Смена уже закрыта")
      : refuse(13, "Не найдена открытая смена");
  }
  const closed = await db.sandboxWebkassaShift.updateMany({
    where: { id: shift.id, closedAt: null },
    data: { closedAt: new Date() },
  });
  if (closed.count !== 1) return refuse(12, "Смена уже закрыта");
  const documents = await db.sandboxWebkassaCheck.count({
    where: { cashbox: SANDBOX_WEBKASSA.cashboxId, shiftNumber: shift.number },
  });
  const now = new Date();
  return ok({
    ...ORGANIZATION,
    ReportNumber: shift.number,
    CashboxSN: SANDBOX_WEBKASSA.cashboxId,
    CashboxRN: SIMULATED_REGISTRATION_NUMBER,
    StartOn: printedTime(shift.openedAt),
    ReportOn: printedTime(now),
    CloseOn: printedTime(now),
    ShiftNumber: shift.number,
    DocumentCount: documents,
    OfflineMode: false,
    CashboxOfflineMode: false,
  });
}

async function history(ctx: SimulatorContext, body: Json): Promise<Answer> {
  const { db } = ctx;
  const session = await sessionError(db, body.token);
  if (session) return session;
  if (body.cashboxuniquenumber !== SANDBOX_WEBKASSA.cashboxId)
    return refuse(6, "Касса не зарегистрирована в системе или не доступна пользователю");
  const shiftNumber = Number(body.shiftnumber);
  const skip = Math.max(0, Number(body.skip ?? 0) || 0);
  const take = Math.min(100, Math.max(1, Number(body.take ?? 50) || 50));
  const shift = await db.sandboxWebkassaShift.findUnique({
    where: { cashbox_number: { cashbox: SANDBOX_WEBKASSA.cashboxId, number: shiftNumber } },
  });
  if (!shift) return refuse(15, "Смена не найдена");
  const where = { cashbox: SANDBOX_WEBKASSA.cashboxId, shiftNumber };
  const [total, rows] = await Promise.all([
    db.sandboxWebkassaCheck.count({ where }),
    db.sandboxWebkassaCheck.findMany({ where, orderBy: { orderNumber: "asc" }, skip, take }),
  ]);
  return ok({ Skip: skip, Take: take, Total: total, Items: rows.map((r) => historyItem(ctx, r)) });
}

async function cashboxes(ctx: SimulatorContext, body: Json): Promise<Answer> {
  const session = await sessionError(ctx.db, body.token);
  if (session) return session;
  const shift = await lastShiftNumber(ctx.db, SANDBOX_WEBKASSA.cashboxId);
  return ok({
    List: [
      {
        UniqueNumber: SANDBOX_WEBKASSA.cashboxId,
        RegistrationNumber: SIMULATED_REGISTRATION_NUMBER,
        IdentificationNumber: "1",
        Name: "Sandbox cash register",
        Description: "",
        IsOffline: false,
        CurrentStatus: 1,
        Shift: shift || null,
      },
    ],
  });
}

async function authorize(ctx: SimulatorContext, body: Json): Promise<Answer> {
  if (body.login !== SANDBOX_WEBKASSA.login || body.password !== SANDBOX_WEBKASSA.password) {
    return refuse(1, "Неверный логин и/или пароль");
  }
  const token = randomBytes(16).toString("hex");
  await ctx.db.sandboxWebkassaToken.create({ data: { token, expiresAt: new Date(Date.now() + TOKEN_LIFETIME_MS) } });
  return ok({ Token: token });
}

const OPERATIONS: Record<string, WebkassaOperation> = {
  authorize: "authorize",
  check: "check",
  zreport: "zreport",
  "check/history": "history",
  cashboxes: "cashboxes",
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Answers one request to /api/v4/<path>. `after` tells the HTTP layer to cut the answer off
 * (drop) or hold it back before sending (hold). Never throws for bad input.
 */
export async function simulateWebkassa(
  ctx: SimulatorContext,
  request: { path: string; apiKey: string | null; body: string },
): Promise<Answer> {
  const operation = OPERATIONS[request.path.toLowerCase()];
  if (!operation) return { status: 404, body: { Errors: [{ Code: -1, Text: `unknown method ${request.path}` }] } };
  // Without the integrator's key nothing is answered (AP; the code is an inference: 3).
  if (request.apiKey !== SANDBOX_WEBKASSA.apiKey) return refuse(3, "API-key отсутствует либо не найден");
  let body: Json;
  try {
    const parsed = caseless(JSON.parse(request.body));
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
    body = parsed as Json;
  } catch {
    return refuse(9, "Ошибка валидации данных: тело запроса не JSON-объект");
  }
  const fault = await takeWebkassaFault(ctx.db, operation);
  if (fault?.kind === "delay") await sleep(fault.delayMs);
  if (fault?.kind === "expire_token")
    await ctx.db.sandboxWebkassaToken.updateMany({ data: { expiresAt: new Date(0) } });
  if (fault?.kind === "shift_24h") {
    const shift = await openShift(ctx.db, SANDBOX_WEBKASSA.cashboxId);
    if (shift) {
      await ctx.db.sandboxWebkassaShift.update({
        where: { id: shift.id },
        data: { openedAt: new Date(Date.now() - 25 * 3_600_000) },
      });
    }
  }
  if (fault?.kind === "error" && fault.code !== null) return refuse(fault.code, `simulated error ${fault.code}`);

  const register = operation === "authorize" ? null : SANDBOX_WEBKASSA.cashboxId;
  const s = state();
  if (register) {
    const running = (s.inFlight.get(register) ?? 0) + 1;
    s.inFlight.set(register, running);
    s.maxInFlight = Math.max(s.maxInFlight, running);
  }
  try {
    if (register && (s.inFlight.get(register) ?? 0) > 1) {
      return refuse(9, "Ошибка валидации данных: нарушена последовательность запросов по кассе");
    }
    let answer: Answer;
    switch (operation) {
      case "authorize":
        answer = await authorize(ctx, body);
        break;
      case "check":
        answer = await check(ctx, body, fault);
        break;
      case "zreport":
        answer = await zReport(ctx, body);
        break;
      case "history":
        answer = await history(ctx, body);
        break;
      case "cashboxes":
        answer = await cashboxes(ctx, body);
        break;
    }
    if (fault?.kind === "drop") return { ...answer, after: "drop" };
    if (fault?.kind === "hold") {
      await sleep(fault.delayMs);
      return answer;
    }
    return answer;
  } finally {
    if (register) s.inFlight.set(register, (s.inFlight.get(register) ?? 1) - 1);
  }
}

/** The simulator's answer as an HTTP response; a dropped answer is a body that breaks off. */
export function simulatorResponse(answer: Answer): Response {
  const headers = { "Content-Type": "application/json; charset=utf-8", "X-Webkassa-Sandbox": "true" };
  if (answer.after === "drop") {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"Data": {"CheckNumber": '));
        controller.error(new Error("answer dropped by the Webkassa simulator"));
      },
    });
    return new Response(stream, { status: 200, headers });
  }
  return new Response(JSON.stringify(answer.body), { status: answer.status, headers });
}
