import type { Db } from "../db";
import { fail, ok, type Result } from "../errors";
import type { KaspiGateway } from "../kaspi/gateway";
import { log } from "../log";
import { ecomStatusSchema, type EcomCallback } from "../kaspi/ecom-schemas";
import { mapEcomStatus } from "../kaspi/ecom-status";
import { applyKaspiStatus, type ApplyResult } from "./apply-status";
import {
  GAP_MS,
  NOT_REACHED,
  callbackRounds,
  recentKaspiStatus,
  recheckBy,
  type CallbackRounds,
  type Claims,
  type Verdict,
} from "./callback-coalescing";
import { isPaidLike, type PaymentStatus } from "./status";
import { DEFAULT_STORE_ID } from "../stores/store-id";
import { gatewayOf, type GatewayFor } from "./store-gateway";
import { recordEvent } from "./timeline";

export type CallbackOutcome =
  | { kind: "applied"; result: ApplyResult }
  | { kind: "rejected"; reason: string }
  /** Joined a verification round scheduled for `at` (see callback-coalescing.ts). */
  | { kind: "deferred"; at: string };

/** What a callback needs of the payment it names. */
export type CallbackPayment = {
  id: string;
  orderId: string;
  kaspiPaymentId: string | null;
  kaspiExternalId: string;
  status: string;
  amount: number;
  /** The payment's store: its own Kaspi verifies the callback (absent: the default store). */
  storeId?: string;
};

export type CallbackDeps = {
  db: Db;
  /** The default store's Kaspi. */
  gateway: KaspiGateway;
  /** Another store's Kaspi (lib/payments/store-gateway.ts). */
  gatewayFor?: GatewayFor;
  /** False when the environment's contract is not the eCommerce API: its payments get no callbacks. */
  defaultStoreCallbacks?: boolean;
  rounds?: CallbackRounds;
  /** The payment by its Kaspi id; every callback of a flood asks (default: Prisma). */
  findPayment?: (kaspiPaymentId: string) => Promise<CallbackPayment | null>;
};

/** The columns of CallbackPayment, for every query that reads one. */
export const CALLBACK_PAYMENT_FIELDS = {
  id: true,
  orderId: true,
  kaspiPaymentId: true,
  kaspiExternalId: true,
  status: true,
  amount: true,
  storeId: true,
} as const;

/** Claims outside Kaspi's status list share one bucket (callback-coalescing.ts). */
const OTHER = "(other)";
const PENDING_CLAIMS = new Set(["PENDING", "CREATED", "WAIT", "PROCESSING"]);

// POST /api/kaspi/callback. The callback only says "look at this payment": its status is never
// applied. Kaspi's own GET decides, and must agree on externalId and amount. The GET and what
// follows it run once per round for every callback the round covers (callback-coalescing.ts).
// A callback for a payment id we do not know is answered like one we rejected, and as late as one
// that waited for a round (CallbackRounds.pace): the answer tells no one which ids exist.
export async function handleKaspiCallback(
  deps: CallbackDeps,
  callback: EcomCallback,
): Promise<Result<CallbackOutcome>> {
  const since = Date.now();
  const { db } = deps;
  const { paymentId: kaspiPaymentId, externalId, status: claimed } = callback.data;
  const parsedClaim = ecomStatusSchema.safeParse(claimed);
  const bucket = parsedClaim.success ? parsedClaim.data : OTHER;
  const rounds = deps.rounds ?? callbackRounds();
  const payment = deps.findPayment
    ? await deps.findPayment(kaspiPaymentId)
    : await db.payment.findUnique({ where: { kaspiPaymentId }, select: CALLBACK_PAYMENT_FIELDS });
  // Only a payment of a store whose contract is the eCommerce API can be called back (docs/kaspi.md:
  // the QR API and check/pay send no callbacks); any other is answered like an unknown id.
  if (!payment || !(await callbackGateway(deps, payment))) {
    await rounds.pace(`${bucket} ${kaspiPaymentId}`, since);
    return ok({ kind: "rejected", reason: "unknown paymentId" });
  }

  if (externalId !== payment.kaspiExternalId) {
    // Nothing from the body is written: a forged callback leaves only a short note. Whoever does
    // not know the payment's externalId learns no more than for an unknown id (same answer, pace).
    const reason = "externalId does not match the payment";
    await recordEvent(db, { ...noteBase(payment), type: "callback.rejected", message: reason });
    log().warn({ paymentId: payment.id, orderId: payment.orderId, kaspiPaymentId, reason }, "callback rejected");
    await rounds.pace(`${bucket} ${kaspiPaymentId}`, since);
    return ok({ kind: "rejected", reason });
  }
  // Money already collected: no callback can change anything, so Kaspi is not asked again
  // (duplicates of the callback that paid it arrive by the dozen).
  if (isPaidLike(payment.status as PaymentStatus)) return ok(unchanged(payment));

  const bodies = new Map([[bucket, callback]]);
  const admission = rounds.admit(payment.id, bucket, (claims) => scheduledRound(deps, payment.id, claims));
  if (admission.kind === "later") {
    // Before answering: the reconciler reads Kaspi soon even if this process dies first.
    if (admission.setsTime) await recheckBy(db, payment.id, admission.at);
    return ok({ kind: "deferred", at: admission.at.toISOString() });
  }

  let verdict: Verdict = NOT_REACHED;
  try {
    // Another instance read Kaspi a moment ago and this claim repeats what it heard: a duplicate.
    const recent = await recentKaspiStatus(db, payment.id);
    if (parsedClaim.success && recent !== null && recent === mapEcomStatus(parsedClaim.data)) {
      await recheckBy(db, payment.id, new Date(Date.now() + GAP_MS));
      verdict = { reached: true, contradicted: new Set() };
      return ok(unchanged(payment));
    }
    const round = await verifyRound(deps, payment, admission.claims, bodies);
    if (!round.ok) return round;
    verdict = { reached: true, contradicted: round.value.contradicted };
    return ok(round.value.outcomes.get(bucket) ?? unchanged(payment));
  } finally {
    admission.done(verdict);
  }
}

/** A round scheduled for callbacks that could not start one (callback-coalescing.ts). */
async function scheduledRound(deps: CallbackDeps, paymentId: string, claims: Claims): Promise<Verdict> {
  const payment = await deps.db.payment.findUnique({ where: { id: paymentId }, select: CALLBACK_PAYMENT_FIELDS });
  // Settled meanwhile (by the round before, the reconciler or another instance): nothing to ask.
  if (!payment || isPaidLike(payment.status as PaymentStatus) || payment.status === "CANCELLED") {
    return { reached: true, contradicted: new Set() };
  }
  const round = await verifyRound(deps, payment, claims, new Map());
  return round.ok ? { reached: true, contradicted: round.value.contradicted } : NOT_REACHED;
}

/** The eCommerce gateway of the payment's store, or null when that store does not speak it now. */
async function callbackGateway(deps: CallbackDeps, payment: CallbackPayment): Promise<KaspiGateway | null> {
  if (!payment.storeId || payment.storeId === DEFAULT_STORE_ID) {
    return deps.defaultStoreCallbacks === false ? null : deps.gateway;
  }
  const gateway = await gatewayOf(deps, payment.storeId);
  return gateway.ok && gateway.value.protocol === "ecom" ? gateway.value : null;
}

function noteBase(payment: CallbackPayment) {
  return { orderId: payment.orderId, paymentId: payment.id, source: "kaspi.callback" as const };
}

function unchanged(payment: CallbackPayment): CallbackOutcome {
  return { kind: "applied", result: { changed: false, current: payment.status as PaymentStatus } };
}

const times = (n: number) => (n > 1 ? ` (×${n})` : "");

type RoundResult = {
  outcomes: Map<string, CallbackOutcome>;
  /** Claims from Kaspi's list that Kaspi's answer contradicts: they may yet come true (RECHECK_MS). */
  contradicted: Set<string>;
};

/**
 * One Kaspi read for every claim of the round, then one note per distinct claim and the status
 * applied once. Returns each claim's outcome.
 */
async function verifyRound(
  deps: CallbackDeps,
  payment: CallbackPayment,
  claims: Claims,
  bodies: Map<string, EcomCallback>,
): Promise<Result<RoundResult>> {
  const { db } = deps;
  const base = noteBase(payment);
  const outcomes = new Map<string, CallbackOutcome>();
  const contradicted = new Set<string>();
  // The payment's own store's Kaspi, never another store's (each has its own token and payments).
  const gateway = await callbackGateway(deps, payment);
  if (!gateway) return fail("KASPI_UNAVAILABLE", "the payment's store cannot reach Kaspi now; retry later");
  const verified = await gateway.getPayment(payment.kaspiPaymentId ?? "");
  if (!verified.ok) {
    await recordEvent(db, {
      ...base,
      source: "kaspi.api",
      type: "verification.failed",
      message: verified.error.message,
      data: { kind: verified.error.kind },
    });
    return fail("KASPI_UNAVAILABLE", "could not verify the payment with Kaspi; retry later");
  }
  const state = verified.value;
  await recordEvent(db, {
    ...base,
    source: "kaspi.api",
    type: "verification.result",
    message: `Kaspi says ${state.rawStatus}`,
    data: state,
  });

  // Kaspi's payment is not ours: no claim can come true, so none is asked about again soon.
  const rejectAll = async (reason: string): Promise<Result<RoundResult>> => {
    const n = [...claims.values()].reduce((a, b) => a + b, 0);
    await recordEvent(db, { ...base, type: "callback.rejected", message: `${reason}${times(n)}`, data: state });
    log().warn({ paymentId: payment.id, orderId: payment.orderId, reason, callbacks: n }, "callback rejected");
    for (const claim of claims.keys()) outcomes.set(claim, { kind: "rejected", reason });
    return ok({ outcomes, contradicted });
  };
  if (state.externalId !== undefined && state.externalId !== payment.kaspiExternalId) {
    return rejectAll("Kaspi's externalId does not match the payment");
  }
  if (state.status === "PAID" && state.amount !== undefined && state.amount !== payment.amount) {
    return rejectAll(`Kaspi's amount ${state.amount} does not match ${payment.amount}`);
  }

  // The callback body is stored only when Kaspi agrees with it (after the verification note).
  for (const [claim, n] of claims) {
    const body = bodies.get(claim);
    const agrees =
      state.status === "PENDING"
        ? PENDING_CLAIMS.has(claim)
        : claim !== OTHER && mapEcomStatus(ecomStatusSchema.parse(claim)) === state.status;
    // A status outside Kaspi's list never comes true: like a confirmed claim, it waits a whole gap.
    if (!agrees && claim !== OTHER) contradicted.add(claim);
    if (agrees) {
      await recordEvent(db, { ...base, type: "callback.received", message: `claims ${claim}${times(n)}`, data: body });
    } else if (state.status === "PENDING") {
      const reason = `callback claims ${claim} but Kaspi says ${state.rawStatus}`;
      await recordEvent(db, { ...base, type: "callback.rejected", message: `${reason}${times(n)}`, data: state });
      log().warn({ paymentId: payment.id, orderId: payment.orderId, reason, callbacks: n }, "callback rejected");
      outcomes.set(claim, { kind: "rejected", reason });
    } else {
      // Late or out-of-order message: noted, and Kaspi's answer is what gets applied.
      await recordEvent(db, {
        ...base,
        type: "callback.contradicted",
        message: `claims ${claim}, Kaspi says ${state.rawStatus}${times(n)}`,
      });
    }
  }
  if (state.status === "PENDING") {
    for (const claim of claims.keys()) if (!outcomes.has(claim)) outcomes.set(claim, unchanged(payment));
    return ok({ outcomes, contradicted });
  }
  const claimedList = [...claims.keys()].join(",");
  const result = await applyKaspiStatus(db, {
    paymentId: payment.id,
    to: state.status,
    source: "kaspi.callback",
    data: { kaspiStatus: state.rawStatus, claimed: claimedList },
  });
  for (const claim of claims.keys()) outcomes.set(claim, { kind: "applied", result });
  return ok({ outcomes, contradicted });
}
