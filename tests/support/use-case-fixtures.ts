import { expect } from "vitest";
import { db } from "@/lib/db";
import { applyKaspiStatus } from "@/lib/payments/apply-status";
import { intakeOrder } from "@/lib/payments/order-intake-use-case";
import { orderIntakeSchema } from "@/lib/payments/order-schemas";
import type { StartPaymentDeps } from "@/lib/payments/start-payment-use-case";
import { startPayment } from "@/lib/payments/start-payment-use-case";
import { eventsOf, latestPayment, newExternalId } from "./order-rows";
import { createFakeKaspiGateway, type FakeKaspiGateway } from "./fake-kaspi-gateway";

// For the use-case tests beside lib/payments/*-use-case.ts: the use cases are called directly
// (no route, no container) with the in-memory Kaspi and the test file's own migrated SQLite file.

export const APP_URL = "http://app.test";
export const LIMITS = { min: 100, max: 5_000_000 };

export type Deps = StartPaymentDeps & { gateway: FakeKaspiGateway };

export function useCaseDeps(fake: FakeKaspiGateway = createFakeKaspiGateway()): Deps {
  return {
    db: db(),
    gateway: fake,
    appUrl: APP_URL,
    paymentTtlSeconds: 900,
    // Short, so a test that waits on another request's creation lease does not wait 10 s.
    kaspiTimeoutMs: 300,
    merchantName: "Demo store",
  };
}

export type SeededOrder = { orderId: string; token: string; externalId: string; amount: number };

/** An order through the intake use case, with Bitrix's body parsed by the same schema as the route. */
export async function seedOrder(input: Record<string, unknown> = {}): Promise<SeededOrder> {
  const body = orderIntakeSchema.parse({ externalId: newExternalId("uc"), amount: 12_500, currency: "KZT", ...input });
  const res = await intakeOrder({ db: db(), limits: LIMITS, appUrl: APP_URL, mode: "sandbox" }, body);
  if (!res.ok) throw new Error(`intake failed: ${res.error.code}`);
  const token = res.value.body.checkoutUrl.split("/pay/")[1] ?? "";
  return { orderId: res.value.body.orderId, token, externalId: body.externalId, amount: body.amount as number };
}

/** An order with an open (PENDING) Kaspi payment on the fake. */
export async function seedPendingPayment(deps: Deps, input: Record<string, unknown> = {}) {
  const order = await seedOrder(input);
  const started = await startPayment(deps, { token: order.token });
  expect(started.ok, JSON.stringify(started)).toBe(true);
  const payment = await latestPayment(order.orderId);
  return { order, payment, kaspiPaymentId: payment.kaspiPaymentId ?? "" };
}

/** An order paid the way production pays it: Kaspi says PAID, the guarded transition applies it. */
export async function seedPaidPayment(deps: Deps, input: Record<string, unknown> = {}) {
  const seeded = await seedPendingPayment(deps, input);
  deps.gateway.setStatus(seeded.kaspiPaymentId, "PAID");
  const applied = await applyKaspiStatus(db(), { paymentId: seeded.payment.id, to: "PAID", source: "kaspi.api" });
  expect(applied.changed).toBe(true);
  return seeded;
}

/** The order's timeline event types, oldest first. */
export async function eventTypes(orderId: string): Promise<string[]> {
  return (await eventsOf(orderId)).map((e) => e.type);
}
