import { randomInt } from "node:crypto";
import type { Db } from "../db";
import { env } from "../env";
import { paymentLinkFor, type DecideResult } from "./sandbox-service";

// The simulated Kaspi side of the check/pay provider protocol: the shopper opens the service's
// payment link (a sandbox record with the account and amount), confirms in the "Kaspi app", and
// Kaspi calls the app: `check`, then `pay` with a txn_id, exactly like Kaspi's gateway would.

type Row = Awaited<ReturnType<Db["sandboxPayment"]["findUniqueOrThrow"]>>;

const newTxnId = () => `${Date.now() % 1e10}${randomInt(1000, 9999)}`;

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
};

type Reply = Omit<CheckpayCall, "command" | "httpStatus">;

/** The app's reply, XML (`<response>`, the default) or JSON (docs/kaspi.md §6). */
function readReply(text: string): Reply {
  try {
    const j = JSON.parse(text) as { result?: unknown; prv_txn?: unknown; sum?: unknown };
    return {
      result: typeof j.result === "number" ? j.result : null,
      prvTxn: typeof j.prv_txn === "string" ? j.prv_txn : null,
      sum: typeof j.sum === "string" ? j.sum : null,
    };
  } catch {
    const tag = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1];
    const result = tag("result");
    return {
      result: result === undefined ? null : Number(result),
      prvTxn: tag("prv_txn") ?? null,
      sum: tag("sum") ?? null,
    };
  }
}

/** What a Kaspi terminal puts in `check`'s sum: a default, not the amount (QPay-backend DTOs, docs/kaspi.md §6). */
const CHECK_DUMMY_SUM = "0.00";

/**
 * One check/pay request to the app, from loopback (the sandbox's "Kaspi address"). `check` carries
 * the terminal's dummy sum; `pay` the amount `check` said is due.
 */
export async function callAppCheckpay(p: Row, command: "check" | "pay", sum = CHECK_DUMMY_SUM): Promise<CheckpayCall> {
  const q = new URLSearchParams({ command, txn_id: p.id, account: p.account ?? "", sum });
  if (command === "pay") q.set("txn_date", new Date().toISOString().replace(/\D/g, "").slice(0, 14));
  try {
    const res = await fetch(`http://127.0.0.1:${env().PORT}/api/kaspi/checkpay?${q}`, {
      redirect: "error",
      signal: AbortSignal.timeout(15_000),
    });
    return { command, httpStatus: res.status, ...readReply(await res.text()) };
  } catch {
    return { command, httpStatus: 0, result: null, prvTxn: null, sum: null };
  }
}

/** Confirm in the Kaspi app: check, then pay; the sandbox's record follows the app's answer. */
export async function sandboxCheckpayConfirm(db: Db, p: Row): Promise<DecideResult & { calls?: CheckpayCall[] }> {
  if (p.status !== "PENDING") return { ok: false, status: 409, code: "NOT_PENDING", message: `payment is ${p.status}` };
  const check = await callAppCheckpay(p, "check");
  if (check.result !== 0) {
    await db.sandboxPayment.updateMany({ where: { id: p.id, status: "PENDING" }, data: { status: "FAILED" } });
    return {
      ok: false,
      status: 409,
      code: "CHECK_REFUSED",
      message: `the store answered check with result ${check.result ?? "none"}`,
    };
  }
  const pay = await callAppCheckpay(p, "pay", check.sum ?? `${p.amount}.00`);
  const status = pay.result === 0 ? "COMPLETED" : "FAILED";
  await db.sandboxPayment.updateMany({ where: { id: p.id, status: "PENDING" }, data: { status } });
  if (status !== "COMPLETED") {
    return {
      ok: false,
      status: 409,
      code: "PAY_REFUSED",
      message: `the store answered pay with result ${pay.result ?? "none"}`,
    };
  }
  return { ok: true, payment: { ...p, status }, callbackStatuses: [check.httpStatus, pay.httpStatus] };
}
