import { expect } from "vitest";
import { POST as postPaymentRoute } from "@/app/api/checkout/[token]/payment/route";
import { GET as getStatusRoute } from "@/app/api/checkout/[token]/status/route";
import { POST as postCallbackRoute } from "@/app/api/kaspi/callback/route";
import { POST as postOrder } from "@/app/api/orders/route";
import { signatureHeaders } from "@/lib/bitrix-onprem/signature";
import { env } from "@/lib/env";
import type { FakeKaspiGateway } from "@/tests/support/fake-kaspi-gateway";
import { latestPayment, newExternalId, orderRow } from "./support/order-rows";

export { eventsOf, latestPayment, newExternalId, orderRow, outboxOf } from "./support/order-rows";

// Shared by the route tests: signed Bitrix requests, an order factory that goes through the real
// POST /api/orders handler, and a reader for { status, body } pairs.

export const BASE = "http://app.test";

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export type SignedOptions = {
  method?: "GET" | "POST";
  /** Sign with this secret instead of the configured one. */
  secret?: string;
  /** Timestamp to sign with (unix seconds). */
  at?: number;
  /** Nonce to sign with (a fresh one by default). */
  nonce?: string;
  /** Sign this target instead of the request's own path (a signature made for another request). */
  signedTarget?: string;
  contentType?: string | null;
  headers?: Record<string, string>;
};

/** A request signed like Bitrix signs it: HMAC over "<ts>.<nonce>.<METHOD>.<path?query>.<raw body>". */
export function signedRequest(path: string, rawBody: string | null, options: SignedOptions = {}): Request {
  const method = options.method ?? (rawBody === null ? "GET" : "POST");
  const secret = options.secret ?? env().BITRIX_SHARED_SECRET;
  const headers: Record<string, string> = {
    ...signatureHeaders(
      secret,
      { method, target: options.signedTarget ?? path, body: rawBody ?? "" },
      { nowSeconds: options.at ?? nowSeconds(), ...(options.nonce ? { nonce: options.nonce } : {}) },
    ),
  };
  const contentType = options.contentType === undefined ? "application/json" : options.contentType;
  if (rawBody !== null && contentType !== null) headers["Content-Type"] = contentType;
  return new Request(`${BASE}${path}`, {
    method,
    headers: { ...headers, ...options.headers },
    ...(rawBody === null ? {} : { body: rawBody }),
  });
}

export function jsonRequest(
  path: string,
  body: unknown,
  init: { method?: string; headers?: Record<string, string> } = {},
): Request {
  return new Request(`${BASE}${path}`, {
    method: init.method ?? "POST",
    headers: { "Content-Type": "application/json", ...init.headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export type Answer<T = Record<string, unknown>> = { status: number; body: T };

export async function read<T = Record<string, unknown>>(response: Response): Promise<Answer<T>> {
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
}

export type ErrorBody = { error: { code: string; message: string } };

export function errorCodeOf(answer: Answer<unknown>): string | undefined {
  return (answer.body as Partial<ErrorBody> | null)?.error?.code;
}

export type OrderInput = {
  externalId?: string;
  amount?: unknown;
  currency?: string;
  phone?: string;
  description?: string;
  accountNumber?: string;
  returnUrl?: string;
  lang?: string;
  /** The order's lines (fiscal receipts); any shape, so tests can send broken ones. */
  items?: unknown;
  customer?: unknown;
};

export function orderBody(input: OrderInput = {}): Record<string, unknown> {
  return { externalId: newExternalId(), amount: 12_500, currency: "KZT", ...input };
}

/** POST /api/orders through the real handler, signed. */
export async function postOrderSigned(body: unknown, options: SignedOptions = {}): Promise<Answer> {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  return read(await postOrder(signedRequest("/api/orders", raw, options)));
}

export type CreatedOrder = { orderId: string; checkoutUrl: string; token: string; externalId: string; amount: number };

/** Creates an order through the real intake route and returns its checkout token. */
export async function createOrder(input: OrderInput = {}): Promise<CreatedOrder> {
  const body = orderBody(input);
  const answer = await postOrderSigned(body);
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  const { orderId, checkoutUrl } = answer.body as { orderId: string; checkoutUrl: string };
  const token = checkoutUrl.split("/pay/")[1] ?? "";
  return { orderId, checkoutUrl, token, externalId: body.externalId as string, amount: body.amount as number };
}

export function params<T extends Record<string, string>>(value: T): { params: Promise<T> } {
  return { params: Promise.resolve(value) };
}

/** POST /api/checkout/{token}/payment through the real handler (no body, or a JSON body). */
export async function postPayment(token: string, body?: unknown): Promise<Answer> {
  const path = `/api/checkout/${token}/payment`;
  const request = body === undefined ? new Request(`${BASE}${path}`, { method: "POST" }) : jsonRequest(path, body);
  return read(await postPaymentRoute(request, params({ token })));
}

/** GET /api/checkout/{token}/status through the real handler. */
export async function getStatus(token: string): Promise<Answer> {
  return read(await getStatusRoute(new Request(`${BASE}/api/checkout/${token}/status`), params({ token })));
}

/** POST /api/kaspi/callback through the real handler. */
export async function postCallback(body: unknown): Promise<Answer> {
  return read(await postCallbackRoute(jsonRequest("/api/kaspi/callback", body)));
}

export function callbackBody(kaspiPaymentId: string, externalId: string, status: string) {
  return { data: { paymentId: kaspiPaymentId, externalId, status } };
}

/** Drives an order to PAID the way production does: payment → Kaspi says COMPLETED → callback. */
export async function payOrder(
  fake: FakeKaspiGateway,
  order: CreatedOrder,
): Promise<{ kaspiPaymentId: string; kaspiExternalId: string }> {
  const started = await postPayment(order.token);
  expect(started.status, JSON.stringify(started.body)).toBe(200);
  const payment = await latestPayment(order.orderId);
  const kaspiPaymentId = payment.kaspiPaymentId ?? "";
  fake.setStatus(kaspiPaymentId, "PAID");
  const answer = await postCallback(callbackBody(kaspiPaymentId, payment.kaspiExternalId, "COMPLETED"));
  expect(answer).toEqual({ status: 200, body: { status: "OK" } });
  expect((await orderRow(order.orderId)).status).toBe("PAID");
  return { kaspiPaymentId, kaspiExternalId: payment.kaspiExternalId };
}
