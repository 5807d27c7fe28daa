import { randomInt } from "node:crypto";
import type { Db } from "../db";
import { env } from "../env";
import { takeFault } from "./faults";
import { paymentLinkFor, type DecideResult } from "./sandbox-service";

// The simulated Kaspi side of the check/pay provider protocol: the shopper reaches the Service by
// the Kaspi button (online-service.ts) or the service's payment link (a sandbox record with the
// account and amount), confirms in the "Kaspi app", and Kaspi calls the app: `check` with a
// terminal's dummy sum, then `pay` with its txn_id and txn_date, like Kaspi would (docs/kaspi.md §6).

type Row = Awaited<ReturnType<Db["sandboxPayment"]["findUniqueOrThrow"]>>;

const newTxnId = () => `${Date.now() % 1e10}${randomInt(1000, 9999)}`;

/** The sandbox Service of a store in test mode (lib/kaspi/store-gateways.ts): `sandbox-<store id>`. */
export const storeSandboxService = (storeId: string) => `sandbox-${storeId}`;

/**
 * Where the sandbox's "Kaspi" sends check and pay for a Service, as Kaspi has one provider URL per
 * Service (docs/kaspi.md §6): the environment's sandbox Service → /api/kaspi/checkpay; a store's
 * (`sandbox-<store id>`) → /api/kaspi/checkpay?store=<store id> (docs/stores.md). Null: no such
 * Service is registered with the sandbox.
 */
export function sandboxProviderPath(serviceId: string, environmentService: string): string | null {
  if (serviceId === environmentService) return "/api/kaspi/checkpay";
  const m = /^sandbox-([A-Za-z0-9_-]{1,56})$/.exec(serviceId);
  return m ? `/api/kaspi/checkpay?store=${encodeURIComponent(m[1]!)}` : null;
}

export async function sandboxCheckpayLink(
  db: Db,
  input: { serviceId: string; account: string; amount: number; externalId: string },
): Promise<{ paymentId: string; paymentLink: string }> {
  const id = newTxnId();
  await db.sandboxPayment.create({
    data: {
      id,
      externalId: `gw:${input.externalId}:${id}`,
      amount: input.amount,
      currency: "KZT",
      description: `service ${input.serviceId}, account ${input.account}`,
      status: "PENDING",
      protocol: "checkpay",
      account: input.account,
      // The Service's provider URL (what "Kaspi" calls with check and pay).
      callbackUrl: sandboxProviderPath(input.serviceId, env().checkpayServiceId),
      expiresAt: new Date(Date.now() + env().PAYMENT_TTL_SECONDS * 1000),
    },
  });
  return { paymentId: id, paymentLink: paymentLinkFor(id) };
}

export type CheckpayCall = {
  command: "check" | "pay";
  httpStatus: number;
  result: number | null;
  prvTxn: string | null;
  sum: string | null;
  /** check: what the store asked the Kaspi app to show the payer. */
  fields: { name: string; value: string }[];
};

type Reply = Omit<CheckpayCall, "command" | "httpStatus">;

type JsonReply = {
  result?: unknown;
  prv_txn?: unknown;
  prv_txn_id?: unknown;
  sum?: unknown;
  fields?: Record<string, { "@name"?: unknown; "#text"?: unknown }>;
};

const unescapeXml = (s: string) =>
  s.replace(
    /&(lt|gt|amp|apos|quot);/g,
    (_m, e: string) => ({ lt: "<", gt: ">", amp: "&", apos: "'", quot: '"' })[e] ?? "",
  );

/** The app's reply, XML (`<response>`, the default) or JSON (docs/kaspi.md §6). */
function readReply(text: string): Reply {
  try {
    const j = JSON.parse(text) as JsonReply;
    const prvTxn = typeof j.prv_txn === "string" ? j.prv_txn : typeof j.prv_txn_id === "string" ? j.prv_txn_id : null;
    return {
      result: typeof j.result === "number" ? j.result : null,
      prvTxn,
      sum: typeof j.sum === "string" ? j.sum : null,
      fields: Object.values(j.fields ?? {}).flatMap((f) =>
        typeof f["@name"] === "string" && typeof f["#text"] === "string"
          ? [{ name: f["@name"], value: f["#text"] }]
          : [],
      ),
    };
  } catch {
    const tag = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
    const result = tag("result");
    const fields = [...text.matchAll(/<field\d+ name="([^"]*)">([^<]*)<\/field\d+>/g)].map((m) => ({
      name: unescapeXml(m[1] ?? ""),
      value: unescapeXml(m[2] ?? ""),
    }));
    return {
      result: result === undefined ? null : Number(result),
      prvTxn: tag("prv_txn") ?? null,
      sum: tag("sum") ?? null,
      fields,
    };
  }
}

/** What a Kaspi terminal puts in `check`'s sum: a default, not the amount (QPay-backend DTOs, docs/kaspi.md §6). */
const CHECK_DUMMY_SUM = "0.00";

/**
 * Kaspi's clock: txn_date is YYYYMMDDhhmmss without a zone; the sandbox writes Kazakhstan time
 * (UTC+5 since 2024), the reading the public handlers give it (they store it as a local date).
 */
export function kaspiTxnDate(now = new Date()): string {
  return new Date(now.getTime() + 5 * 3_600_000).toISOString().replace(/\D/g, "").slice(0, 14);
}

/**
 * One check/pay request to the app, from loopback (the sandbox's "Kaspi address"). `check` carries
 * the terminal's dummy sum; `pay` the amount `check` said is due, and the txn_date. The txn_id is
 * the sandbox's own id of the payment (what the shopper's link names).
 */
export async function callAppCheckpay(
  p: Row,
  command: "check" | "pay",
  sum = CHECK_DUMMY_SUM,
  txnDate = kaspiTxnDate(),
): Promise<CheckpayCall> {
  const q = new URLSearchParams({ command, txn_id: p.id, account: p.account ?? "", sum });
  if (command === "pay") q.set("txn_date", txnDate);
  // The Service's provider URL, recorded when the payment was made (the environment's by default).
  const provider = new URL(p.callbackUrl ?? "/api/kaspi/checkpay", `http://127.0.0.1:${env().PORT}`);
  for (const [k, v] of q) provider.searchParams.set(k, v);
  try {
    const res = await fetch(provider, {
      redirect: "error",
      signal: AbortSignal.timeout(15_000),
    });
    return { command, httpStatus: res.status, ...readReply(await res.text()) };
  } catch {
    return { command, httpStatus: 0, result: null, prvTxn: null, sum: null, fields: [] };
  }
}

type ConfirmResult = DecideResult & { calls?: CheckpayCall[] };

async function refuse(db: Db, p: Row, code: string, message: string, calls: CheckpayCall[]): Promise<ConfirmResult> {
  await db.sandboxPayment.updateMany({ where: { id: p.id, status: "PENDING" }, data: { status: "FAILED" } });
  return { ok: false, status: 409, code, message, calls };
}

/**
 * Confirm in the Kaspi app: check, then pay; the sandbox's record follows the app's answer.
 * Injected faults (operation "pay"): duplicate sends pay twice with one txn_id and requires the
 * same answer; other_sum pays a sum other than the one check answered (the store must refuse it).
 */
export async function sandboxCheckpayConfirm(db: Db, p: Row): Promise<ConfirmResult> {
  if (p.status !== "PENDING") return { ok: false, status: 409, code: "NOT_PENDING", message: `payment is ${p.status}` };
  const check = await callAppCheckpay(p, "check");
  const calls = [check];
  if (check.result !== 0) {
    return refuse(db, p, "CHECK_REFUSED", `the store answered check with result ${check.result ?? "none"}`, calls);
  }
  const due = check.sum ?? `${p.amount}.00`;
  // The Kaspi button told "Kaspi" the amount; check must say the same (a store sending tenge as
  // tiyn, or the wrong order, shows up here). The link entry carries no amount to compare.
  if (p.presentation?.startsWith("online") && Number(due) !== p.amount) {
    return refuse(db, p, "AMOUNT_MISMATCH", `check answered ${due} but the Kaspi button said ${p.amount}.00`, calls);
  }
  const fault = await takeFault(db, "pay", p.id);
  const sum = fault?.kind === "other_sum" ? `${Number(due) + 1}.00` : due;
  const txnDate = kaspiTxnDate();
  const pay = await callAppCheckpay(p, "pay", sum, txnDate);
  calls.push(pay);
  if (fault?.kind === "duplicate") {
    const again = await callAppCheckpay(p, "pay", sum, txnDate);
    calls.push(again);
    if (again.result !== pay.result || again.prvTxn !== pay.prvTxn) {
      return refuse(db, p, "PAY_NOT_IDEMPOTENT", "the store answered a repeated pay differently", calls);
    }
  }
  if (pay.result !== 0) {
    return refuse(db, p, "PAY_REFUSED", `the store answered pay with result ${pay.result ?? "none"}`, calls);
  }
  const status = "COMPLETED";
  await db.sandboxPayment.updateMany({ where: { id: p.id, status: "PENDING" }, data: { status } });
  return { ok: true, payment: { ...p, status }, callbackStatuses: calls.map((c) => c.httpStatus), calls };
}
