import path from "node:path";
import { z } from "zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkoutKey } from "@/lib/bitrix24/checkout-access";
import { checkoutEndpoint, registerPaySystem } from "@/lib/bitrix24/register";
import { createBitrix24Client } from "@/lib/bitrix24/rest-client";
import { setKaspiGatewayForTests } from "@/lib/container";
import { db } from "@/lib/db";
import { DEFAULT_STORE_ID } from "@/lib/stores/store-id";
import { env, resetEnvForTests } from "@/lib/env";
import { installPeerAddressStamp, PEER_HEADER } from "@/lib/http/peer-address";
import type { KaspiGateway, KaspiRemoteInvoicePort, KaspiReturnQrPort } from "@/lib/kaspi/gateway";
import { upsertMerchantUser } from "@/lib/merchant/users";
import { apiOperations } from "@/lib/openapi/document";
import type { Operation } from "@/lib/openapi/operation";
import { Bitrix24StandIn } from "../bitrix24/rest-stand-in";
import {
  BASE,
  callbackBody,
  createOrder,
  jsonRequest,
  latestPayment,
  newExternalId,
  orderBody,
  payOrder,
  postPayment,
  signedRequest,
  type CreatedOrder,
} from "../helpers";
import { loginRequest, merchantRequest, signedIn } from "../merchant/merchant-helpers";
import { createFakeKaspiGateway } from "../support/fake-kaspi-gateway";

// Every operation of the OpenAPI document answers through its real route handler (the module at
// app/<path>/route.ts, called like Next calls it): a documented 2xx for a valid request, never
// 404/405, and a JSON body that its documented response schema reads without losing a field.

const STAND_IN_PORT = 4298; // this suite's own port (tests/bitrix24 uses 3401)
const KASPI_IP = "194.187.247.152";
const HEALTH_TOKEN = "openapi-health-token-0123456789";
const portal = new Bitrix24StandIn();
const fake = createFakeKaspiGateway();

type Env = Record<string, string | undefined>;

/** Sets these variables (undefined: unset) and answers how to put the previous values back. */
function applyEnv(vars: Env): () => void {
  const before: Env = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const set = (values: Env) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    resetEnvForTests();
  };
  set(vars);
  return () => set(before);
}

// Each operation runs under the Kaspi protocol that serves it: callbacks (and the paid payments
// the merchant and refund operations need) exist only in the eCommerce API, the default; the
// check/pay addresses answer only under KASPI_PROTOCOL=checkpay.
const CHECKPAY_ENV: Env = {
  KASPI_PROTOCOL: "checkpay",
  KASPI_CHECKPAY_SERVICE_ID: "5001",
  KASPI_CHECKPAY_PAY_LINK: "https://kaspi.kz/pay/_gate?action=service_with_subservice&service_id=5001",
  // The JSON form of the check/pay reply is the one the document's schema describes (XML is the default).
  KASPI_CHECKPAY_FORMAT: "json",
  KASPI_CHECKPAY_ALLOWED_IPS: undefined,
};
const ENV_OF: Partial<Record<string, Env>> = { kaspiCheckpay: CHECKPAY_ENV, kaspiCheckpayAlias: CHECKPAY_ENV };

let restoreSuiteEnv: () => void = () => {};

beforeAll(async () => {
  await portal.start(STAND_IN_PORT);
  restoreSuiteEnv = applyEnv({
    KASPI_PROTOCOL: "ecom",
    BITRIX_CONNECTOR: "bitrix24",
    BITRIX24_WEBHOOK_URL: portal.webhookUrl,
    HEALTH_TOKEN,
  });
  installPeerAddressStamp();
  setKaspiGatewayForTests(fake);
  const registered = await registerPaySystem({
    client: createBitrix24Client({ webhookUrl: portal.webhookUrl }),
    appUrl: BASE,
    checkoutKey: checkoutKey(env().BITRIX_SHARED_SECRET),
  });
  expect(registered.ok).toBe(true);
});
afterAll(async () => {
  await portal.stop();
  restoreSuiteEnv();
  setKaspiGatewayForTests(undefined);
});

/** The request, its path parameters, and the Kaspi gateway to answer it with (the fake by default). */
type Call = { request: Request; params?: Record<string, string>; gateway?: KaspiGateway };

// Kaspi QR's extras the eCommerce fake has no part for: r2 return QRs and r3 invoices by phone.
const returnQr: KaspiReturnQrPort = {
  createReturnQr: async () => ({
    ok: true,
    value: { qrReturnId: String(Date.now()), qrToken: "https://kaspi.test/return", pollIntervalMs: 60_000 },
  }),
  getReturnQr: async () => ({ ok: true, value: { rawStatus: "QrTokenCreated", ready: false, final: false } }),
};
const remoteInvoice: KaspiRemoteInvoicePort = {
  clientInfo: async () => ({ ok: true, value: { clientName: "Айгерим К." } }),
  createInvoice: async () => ({ ok: true, value: { kaspiPaymentId: `rm-${Date.now()}` } }),
  cancelInvoice: async () => ({ ok: true, value: { rawStatus: "RemotePaymentCanceled" } }),
};
const returnQrGateway = (): KaspiGateway => ({
  ...fake,
  refundSupport: { supported: true, partial: true, flow: "return-qr" },
  returnQr,
});

async function returnQrOf(paymentId: string): Promise<string> {
  const { POST } = await import("@/app/api/merchant/payments/[id]/return-qr/route");
  setKaspiGatewayForTests(returnQrGateway());
  try {
    const made = await POST(await adminPost(`/api/merchant/payments/${paymentId}/return-qr`, {}), {
      params: Promise.resolve({ id: paymentId }),
    });
    expect(made.status).toBe(201);
    return ((await made.json()) as { id: string }).id;
  } finally {
    setKaspiGatewayForTests(fake);
  }
}

async function paidPayment(): Promise<{ order: CreatedOrder; paymentId: string }> {
  const order = await createOrder();
  await payOrder(fake, order);
  return { order, paymentId: (await latestPayment(order.orderId)).id };
}

const checkpayCall = async (route: string): Promise<Call> => {
  const order = await createOrder({ accountNumber: `A${newExternalId("acc").replace(/\D/g, "").slice(-12)}` });
  const account = (await db().order.findUniqueOrThrow({ where: { id: order.orderId } })).accountNumber ?? "";
  const query = new URLSearchParams({ command: "check", txn_id: String(Date.now()), account, sum: "12500.00" });
  return { request: new Request(`${BASE}${route}?${query}`, { headers: { [PEER_HEADER]: KASPI_IP } }) };
};

const adminPost = async (route: string, body: unknown) =>
  merchantRequest(route, { session: await signedIn("admin"), method: "POST", body });

/** A valid request for every documented operation, by operationId. */
const CALLS: Record<string, () => Promise<Call>> = {
  intakeOrder: async () => ({ request: signedRequest("/api/orders", JSON.stringify(orderBody())) }),
  getOrder: async () => {
    const order = await createOrder();
    return {
      request: signedRequest(`/api/orders/${order.externalId}`, null),
      params: { externalId: order.externalId },
    };
  },
  refundFromBitrix: async () => {
    const { order } = await paidPayment();
    const body = JSON.stringify({ amount: 1000, refundId: `bx-${Date.now()}` });
    return {
      request: signedRequest(`/api/orders/${order.externalId}/refunds`, body),
      params: { externalId: order.externalId },
    };
  },
  startPayment: async () => {
    const { token } = await createOrder();
    return { request: new Request(`${BASE}/api/checkout/${token}/payment`, { method: "POST" }), params: { token } };
  },
  checkoutEvents: async () => {
    const { token } = await createOrder();
    return { request: new Request(`${BASE}/api/checkout/${token}/events`), params: { token } };
  },
  checkoutRemoteInvoice: async () => {
    const { token } = await createOrder();
    const request = jsonRequest(`/api/checkout/${token}/remote`, { action: "client-info", phone: "+7 701 234 56 78" });
    return { request, params: { token }, gateway: { ...fake, protocol: "qr", remoteInvoice } };
  },
  getCheckoutStatus: async () => {
    const { token } = await createOrder();
    return { request: new Request(`${BASE}/api/checkout/${token}/status`), params: { token } };
  },
  kaspiCallback: async () => {
    const order = await createOrder();
    await postPayment(order.token);
    const payment = await latestPayment(order.orderId);
    fake.setStatus(payment.kaspiPaymentId ?? "", "PAID");
    const body = callbackBody(payment.kaspiPaymentId ?? "", payment.kaspiExternalId, "COMPLETED");
    return { request: jsonRequest("/api/kaspi/callback", body) };
  },
  kaspiCheckpay: () => checkpayCall("/api/kaspi/checkpay"),
  // The monitor's view: with HEALTH_TOKEN the figures come too (anonymous callers get the status only).
  health: async () => ({
    request: new Request(`${BASE}/api/health`, { headers: { Authorization: `Bearer ${HEALTH_TOKEN}` } }),
  }),
  bitrix24Checkout: async () => {
    const payment = portal.addPayment({ id: 700, sum: 12_500, paySystemId: Number(portal.paySystems[0]?.ID) });
    const fields = {
      "BX_SYSTEM_PARAMS[PAYMENT_ID]": String(payment.id),
      "BX_SYSTEM_PARAMS[PAYSYSTEM_ID]": String(payment.paySystemId),
      "BX_SYSTEM_PARAMS[SUM]": "12500",
      "BX_SYSTEM_PARAMS[CURRENCY]": "KZT",
    };
    const headers = { "Content-Type": "application/x-www-form-urlencoded" };
    const body = new URLSearchParams(fields).toString();
    // The ACTION_URI bitrix24:register gives the portal: our endpoint with the installation's key.
    const url = checkoutEndpoint(BASE, checkoutKey(env().BITRIX_SHARED_SECRET));
    return { request: new Request(url, { method: "POST", headers, body }) };
  },
  merchantLogin: async () => {
    const email = `login-${process.pid}@shop.test`;
    await upsertMerchantUser(db(), {
      email,
      password: "correct-horse-openapi",
      role: "viewer",
      storeId: DEFAULT_STORE_ID,
    });
    return { request: loginRequest(email, "correct-horse-openapi") };
  },
  merchantLogout: async () => ({
    request: merchantRequest("/api/merchant/logout", { session: await signedIn("viewer"), method: "POST" }),
  }),
  merchantPayments: async () => {
    await paidPayment();
    return { request: merchantRequest("/api/merchant/payments", { session: await signedIn("viewer") }) };
  },
  merchantPaymentsExport: async () => ({
    request: merchantRequest("/api/merchant/payments/export?delimiter=semicolon", {
      session: await signedIn("viewer"),
    }),
  }),
  merchantRecheck: async () => {
    const { paymentId } = await paidPayment();
    return { request: await adminPost(`/api/merchant/payments/${paymentId}/recheck`, {}), params: { id: paymentId } };
  },
  merchantRefund: async () => {
    const { paymentId } = await paidPayment();
    const request = await adminPost(`/api/merchant/payments/${paymentId}/refund`, { amount: 1_000 });
    return { request, params: { id: paymentId } };
  },
  merchantRefundRetry: async () => {
    const { paymentId } = await paidPayment();
    fake.failNextRefund();
    const { POST } = await import("@/app/api/merchant/payments/[id]/refund/route");
    const pending = await POST(await adminPost(`/api/merchant/payments/${paymentId}/refund`, { amount: 500 }), {
      params: Promise.resolve({ id: paymentId }),
    });
    expect(pending.status).toBe(202);
    const { refund } = (await pending.json()) as { refund: { id: string } };
    return { request: await adminPost(`/api/merchant/refunds/${refund.id}/retry`, {}), params: { id: refund.id } };
  },
  merchantReceiptRetry: async () => {
    const { paymentId, order } = await paidPayment();
    const id = `rct_answers_${Date.now()}`;
    await db().fiscalReceipt.create({
      data: {
        id,
        key: `sale:${paymentId}`,
        kind: "sale",
        orderId: order.orderId,
        paymentId,
        provider: "webkassa",
        cashbox: "SWK00000001",
        externalCheckNumber: crypto.randomUUID(),
        document: JSON.stringify({ operation: "sale", lines: [], total: 1, paymentType: 4, orderNumber: "1" }),
        total: 12_500,
        status: "FAILED",
        lastError: "[9] data validation error",
      },
    });
    return { request: await adminPost(`/api/merchant/receipts/${id}/retry`, {}), params: { id } };
  },
  merchantReturnQr: async () => {
    const { paymentId } = await paidPayment();
    const request = await adminPost(`/api/merchant/payments/${paymentId}/return-qr`, {});
    return { request, params: { id: paymentId }, gateway: returnQrGateway() };
  },
  merchantReturnQrStatus: async () => {
    const { paymentId } = await paidPayment();
    const id = await returnQrOf(paymentId);
    const request = merchantRequest(`/api/merchant/return-qrs/${id}`, { session: await signedIn("admin") });
    return { request, params: { id }, gateway: returnQrGateway() };
  },
  merchantUsers: async () => ({
    request: merchantRequest("/api/merchant/users", { session: await signedIn("admin") }),
  }),
  merchantSaveUser: async () => ({
    request: await adminPost("/api/merchant/users", { email: `new-${process.pid}@shop.test`, role: "viewer" }),
  }),
  merchantDisableUser: async () => {
    const { userId } = await upsertMerchantUser(db(), {
      email: `off-${process.pid}@shop.test`,
      password: "correct-horse-disable",
      role: "viewer",
      storeId: DEFAULT_STORE_ID,
    });
    return { request: await adminPost(`/api/merchant/users/${userId}`, { disabled: true }), params: { id: userId } };
  },
};

/** The body; of an event stream (which stays open) only the first frame, then the stream is closed. */
async function bodyText(response: Response): Promise<string> {
  if (!response.headers.get("content-type")?.startsWith("text/event-stream") || !response.body) {
    return response.text();
  }
  const reader = response.body.getReader();
  const first = await reader.read();
  await reader.cancel();
  return new TextDecoder().decode(first.value);
}

type Handler = (request: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response> | Response;

/** The route module Next serves the path from: /api/a/{b} → app/api/a/[b]/route.ts. */
async function handlerOf(op: Operation): Promise<Handler | undefined> {
  const file = path.resolve("app", `.${op.path.replace(/\{(\w+)\}/g, "[$1]")}`, "route.ts");
  const mod = (await import(/* @vite-ignore */ file)) as Record<string, Handler | undefined>;
  return mod[op.method.toUpperCase()];
}

describe("every operation in the OpenAPI document answers through its route handler", () => {
  it("has a valid request here for each documented operation (and none for undocumented ones)", () => {
    expect(Object.keys(CALLS).sort()).toEqual(apiOperations.map((op) => op.operationId).sort());
  });

  it.each(apiOperations.map((op) => [`${op.method.toUpperCase()} ${op.path}`, op] as const))(
    "%s",
    async (_name, op) => {
      const handler = await handlerOf(op);
      expect(handler, "the route module exports the method").toBeTypeOf("function");
      const restore = applyEnv(ENV_OF[op.operationId] ?? {});
      let response: Response;
      let text: string;
      try {
        const call = await CALLS[op.operationId]!();
        if (call.gateway) setKaspiGatewayForTests(call.gateway);
        response = await handler!(call.request, { params: Promise.resolve(call.params ?? {}) });
        text = await bodyText(response);
      } finally {
        setKaspiGatewayForTests(fake);
        restore();
      }
      expect(response.status, text).not.toBe(404);
      expect(response.status, text).not.toBe(405);
      const documented = op.responses[response.status];
      expect(documented, `status ${response.status} is documented: ${text}`).toBeDefined();
      expect(response.status).toBeLessThan(300);
      if (documented?.raw) {
        expect(response.headers.get("content-type")).toContain(documented.raw.mediaType);
      } else {
        expect(response.headers.get("content-type")).toMatch(/^application\/json/);
        const body = JSON.parse(text) as unknown;
        // Zod drops unknown keys: equality means the schema names every field the route sent.
        expect(documented?.body ? z.parse(documented.body.schema, body) : undefined).toEqual(body);
      }
    },
  );
});
