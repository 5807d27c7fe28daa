import type { PaymentView, StatusView } from "./checkout-views";
import { isPaymentStatus } from "./status";

// The checkout page's readers of the two checkout answers, without a schema library: in the
// shopper's browser zod's core alone was 23 KiB of the page's 187 KiB of compressed JavaScript.
// They accept exactly what statusViewSchema / paymentViewSchema (checkout-views.ts, used by the
// server and the OpenAPI document) accept and return the same value, unknown keys dropped;
// checkout-view-guards.test.ts holds them to that on generated inputs.

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === "string";
const isFiniteNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const oneOf =
  <T extends string>(values: readonly T[]) =>
  (v: unknown): v is T =>
    typeof v === "string" && (values as readonly string[]).includes(v);

const isStage = oneOf(["awaiting_scan", "awaiting_confirmation"] as const);
const isQrFormat = oneOf(["text", "png-base64"] as const);
const isPresentation = oneOf(["qr", "link", "remote"] as const);

/** An optional field: absent or undefined is fine; otherwise it must pass `check`. */
function optional<T>(o: Obj, key: string, check: (v: unknown) => T | null, out: Obj): boolean {
  if (o[key] === undefined) return true;
  const value = check(o[key]);
  if (value === null) return false;
  out[key] = value;
  return true;
}

const keep =
  <T>(guard: (v: unknown) => v is T) =>
  (v: unknown): T | null =>
    guard(v) ? v : null;

function loanOf(v: unknown): { offerName: string; term?: number } | null {
  if (!isObject(v) || !isString(v.offerName)) return null;
  const out: Obj = { offerName: v.offerName };
  return optional(v, "term", keep(isFiniteNumber), out) ? (out as { offerName: string; term?: number }) : null;
}

function qrOf(v: unknown): { format: "text" | "png-base64"; value: string } | null {
  if (!isObject(v) || !isQrFormat(v.format) || !isString(v.value)) return null;
  return { format: v.format, value: v.value };
}

function kaspiFormOf(v: unknown): { action: string; fields: Record<string, string> } | null {
  if (!isObject(v) || !isString(v.action) || !isObject(v.fields)) return null;
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(v.fields)) {
    if (!isString(value)) return null;
    fields[key] = value;
  }
  return { action: v.action, fields };
}

export function readStatusView(v: unknown): StatusView | null {
  if (!isObject(v) || !isString(v.status) || !isPaymentStatus(v.status) || !isString(v.updatedAt)) return null;
  const out: Obj = { status: v.status, updatedAt: v.updatedAt };
  if (
    !optional(v, "stage", keep(isStage), out) ||
    !optional(v, "loan", loanOf, out) ||
    !optional(v, "receiptUrl", keep(isString), out)
  ) {
    return null;
  }
  return out as StatusView;
}

export function readPaymentView(v: unknown): PaymentView | null {
  if (!isObject(v) || !isString(v.status) || !isPaymentStatus(v.status)) return null;
  if (!Number.isSafeInteger(v.attempt) || (v.attempt as number) < 0) return null;
  const out: Obj = { status: v.status, attempt: v.attempt };
  const ok =
    optional(v, "paymentLink", keep(isString), out) &&
    optional(v, "qr", qrOf, out) &&
    optional(v, "expiresAt", keep(isString), out) &&
    optional(v, "presentation", keep(isPresentation), out) &&
    optional(v, "kaspiForm", kaspiFormOf, out);
  return ok ? (out as PaymentView) : null;
}
