// What Bitrix, the shopper's browser and "Kaspi" (the sandbox's control API) do to the app, over
// real HTTP. Every step tolerates an app that is down or restarting: it retries until its deadline,
// exactly as Bitrix (intake), the checkout page (payment) and a shopper (Kaspi app) would.
import type { AppProcess, BitrixReceiver, Figures, StoreReader } from "./support";
import { call, field, sign, sleep } from "./support";

export type Ctx = {
  app: AppProcess;
  bitrix: BitrixReceiver;
  store: StoreReader;
  figures: Figures;
  secret: string;
  short: boolean;
  /** Prefix of every externalId this run creates. */
  run: string;
  /** Environment of the app (for `npm run reconcile` against the same database). */
  appEnv: Record<string, string>;
  kaspiTimeoutMs: number;
};

export type Intake = { token: string; orderId: string; status: number };

const JSON_HEADERS = { "Content-Type": "application/json" };

/** Signed POST /api/orders; retried while the app is unreachable or answers 5xx. */
export async function intake(
  ctx: Ctx,
  externalId: string,
  amount: number,
  deadlineMs = 60_000,
): Promise<Intake | null> {
  const body = JSON.stringify({ externalId, amount, currency: "KZT", description: `Reliability ${externalId}` });
  const until = Date.now() + deadlineMs;
  for (;;) {
    const res = await call(ctx.app.url("/api/orders"), {
      method: "POST",
      headers: { ...JSON_HEADERS, ...sign(ctx.secret, body) },
      body,
    });
    if (res.status === 200 || res.status === 201) {
      const url = String(field(res.body, "checkoutUrl") ?? "");
      return { token: url.split("/pay/")[1] ?? "", orderId: String(field(res.body, "orderId")), status: res.status };
    }
    if ((res.status !== 0 && res.status < 500) || Date.now() > until) return null;
    await sleep(500);
  }
}

export type Started = { kaspiPaymentId: string; attempt: number; unavailable: number };

/** POST /api/checkout/{token}/payment until it answers a payment link (the page retries by itself). */
export async function startPayment(
  ctx: Ctx,
  token: string,
  opts: { deadlineMs?: number; body?: unknown } = {},
): Promise<Started | null> {
  const until = Date.now() + (opts.deadlineMs ?? 60_000);
  let unavailable = 0;
  for (;;) {
    const res = await call(ctx.app.url(`/api/checkout/${token}/payment`), {
      method: "POST",
      ...(opts.body === undefined ? {} : { headers: JSON_HEADERS, body: JSON.stringify(opts.body) }),
    });
    const link = field(res.body, "paymentLink");
    if (res.status === 200 && typeof link === "string") {
      return {
        kaspiPaymentId: link.split("/sandbox/kaspi/pay/")[1] ?? "",
        attempt: Number(field(res.body, "attempt")),
        unavailable,
      };
    }
    if (res.status === 503) unavailable++;
    if ((res.status !== 0 && res.status !== 200 && res.status < 500) || Date.now() > until) return null;
    await sleep(res.status === 0 ? 500 : 1_000);
  }
}

export type DecideOptions = { callbackDelayMs?: number; duplicates?: number; skipCallback?: boolean };

/**
 * The shopper confirms or declines in the "Kaspi app". Returns what Kaspi now holds, or null when
 * the sandbox could not be reached before the deadline (then Kaspi's truth is read later).
 */
export async function decide(
  ctx: Ctx,
  kaspiPaymentId: string,
  decision: "confirm" | "decline",
  opts: DecideOptions = {},
  deadlineMs = 60_000,
): Promise<string | null> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const res = await call(ctx.app.url(`/sandbox/kaspi/test/payments/${kaspiPaymentId}/${decision}`), {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify(opts),
    });
    if (res.status === 200) return decision === "confirm" ? "COMPLETED" : "FAILED";
    if (res.status === 409) return null; // decided by an earlier try whose answer was lost
    if ((res.status !== 0 && res.status < 500) || Date.now() > until) return null;
    await sleep(500);
  }
}

export type FaultSpec = {
  operation: "create" | "qr" | "status" | "callback";
  kind: "delay" | "timeout" | "http_500" | "http_429" | "malformed" | "status" | "drop" | "duplicate";
  delayMs?: number;
  status?: "PENDING" | "COMPLETED" | "FAILED" | "EXPIRED";
  count?: number;
  paymentId?: string;
};

export async function injectFault(ctx: Ctx, fault: FaultSpec): Promise<boolean> {
  const res = await call(ctx.app.url("/sandbox/kaspi/test/faults"), {
    method: "POST",
    headers: JSON_HEADERS,
    body: JSON.stringify(fault),
  });
  return res.status === 201;
}

export async function clearFaults(ctx: Ctx): Promise<void> {
  await call(ctx.app.url("/sandbox/kaspi/test/faults"), { method: "DELETE" });
}

/** A callback claiming `status`, sent by the sandbox like Kaspi would (the sandbox's record is unchanged). */
export async function sandboxCallback(ctx: Ctx, kaspiPaymentId: string, status: string, copies = 1): Promise<number[]> {
  const res = await call(ctx.app.url(`/sandbox/kaspi/test/payments/${kaspiPaymentId}/callback`), {
    method: "POST",
    headers: JSON_HEADERS,
    body: JSON.stringify({ status, copies }),
  });
  const statuses = field(res.body, "callbackStatuses");
  return Array.isArray(statuses) ? (statuses as number[]) : [res.status];
}

/** A callback posted straight to the app (anyone on the internet can do this). */
export function postCallback(ctx: Ctx, data: { paymentId: string; externalId: string; status: string }) {
  return call(ctx.app.url("/api/kaspi/callback"), {
    method: "POST",
    headers: JSON_HEADERS,
    body: JSON.stringify({ data }),
  });
}

export async function checkoutStatus(ctx: Ctx, token: string): Promise<string | undefined> {
  const res = await call(ctx.app.url(`/api/checkout/${token}/status`));
  const status = field(res.body, "status");
  return res.status === 200 && typeof status === "string" ? status : undefined;
}

export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 250,
): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return true;
    if (Date.now() > until) return false;
    await sleep(everyMs);
  }
}

/** An order with a Kaspi payment open (the shopper pressed "Pay with Kaspi"). */
export async function openPayment(ctx: Ctx, externalId: string, amount: number) {
  const order = await intake(ctx, externalId, amount);
  if (!order) throw new Error(`intake of ${externalId} failed`);
  const started = await startPayment(ctx, order.token);
  if (!started) throw new Error(`payment of ${externalId} could not be started`);
  return { externalId, amount, ...order, ...started };
}
