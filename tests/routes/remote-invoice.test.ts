import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { POST as remoteRoute } from "@/app/api/checkout/[token]/remote/route";
import { setKaspiGatewayForTests } from "@/lib/container";
import { db } from "@/lib/db";
import { resetEnvForTests } from "@/lib/env";
import type { CreatedPayment, KaspiGateway, KaspiPaymentState, KaspiResult } from "@/lib/kaspi/gateway";
import { pollQrPayments } from "@/lib/payments/qr-poll-use-case";
import { CLIENT_INFO_PER_MINUTE, resetClientInfoWindowForTests } from "@/lib/payments/remote-invoice-use-case";
import { reconcileDuePayments } from "@/lib/payments/reconcile-use-case";
import { startPaymentDeps } from "@/lib/container";
import { createOrder, jsonRequest, latestPayment, orderRow, params, postPayment, read } from "../helpers";

// docs/kaspi.md §2 "remote" (Public QR API v3.9 §4.6): Kaspi QR r3 invoices by phone number —
// client-info at most 50 a minute per device, create, cancel on switching back or leaving, status
// read only on a shopper action or a page load (never by the poller or the reconciler), 24 h life.

let status: KaspiPaymentState["status"] = "PENDING";
const calls = { clientInfo: 0, create: [] as unknown[], cancel: 0, status: 0, qr: 0, statusIds: [] as string[] };

const stub = {
  protocol: "qr",
  refundSupport: { supported: true, partial: true },
  async createPayment(input): Promise<KaspiResult<CreatedPayment>> {
    calls.qr++;
    return {
      ok: true,
      value: {
        kaspiPaymentId: `qr-${Date.now()}-${calls.qr}`,
        qr: { format: "text", value: "QR" },
        expiresAt: new Date(Date.now() + 180_000),
        meta: {
          protocol: "qr",
          presentation: input.device === "mobile" ? "link" : "qr",
          pollIntervalMs: 1000,
          scanWaitMs: 180_000,
        },
      },
    };
  },
  async getPayment(id: string) {
    calls.status++;
    calls.statusIds.push(id);
    return {
      ok: true,
      value: { kaspiPaymentId: id, status, rawStatus: status === "PAID" ? "Processed" : "QrTokenCreated" },
    };
  },
  async refund() {
    return { ok: true, value: {} };
  },
  remoteInvoice: {
    async clientInfo() {
      calls.clientInfo++;
      return { ok: true, value: { clientName: "Айгерим К." } };
    },
    async createInvoice(input) {
      calls.create.push(input);
      return { ok: true, value: { kaspiPaymentId: `rm-${Date.now()}-${calls.create.length}` } };
    },
    async cancelInvoice() {
      calls.cancel++;
      return { ok: true, value: { rawStatus: "RemotePaymentCanceled" } };
    },
  },
} satisfies KaspiGateway;

beforeEach(() => {
  status = "PENDING";
  Object.assign(calls, { clientInfo: 0, create: [], cancel: 0, status: 0, qr: 0, statusIds: [] });
  resetClientInfoWindowForTests();
  setKaspiGatewayForTests(stub);
});
afterEach(() => setKaspiGatewayForTests(undefined));

async function remote(token: string, body: unknown) {
  return read(await remoteRoute(jsonRequest(`/api/checkout/${token}/remote`, body), params({ token })));
}

describe("remote invoices (r3) — docs/kaspi.md §2", () => {
  it("client-info shows whose app it goes to, at most 50 calls a minute", async () => {
    // Our own per-token and per-address caps (tests/routes/remote-lookup-limits.test.ts) raised, so
    // that Kaspi's device limit is the one reached here.
    Object.assign(process.env, { REMOTE_LOOKUPS_PER_TOKEN: "50", REMOTE_LOOKUPS_PER_ADDRESS: "100" });
    resetEnvForTests();
    try {
      const order = await createOrder();
      expect((await remote(order.token, { action: "client-info", phone: "+7 707 123 45 67" })).body).toEqual({
        clientName: "Айгерим К.",
      });
      for (let i = 1; i < CLIENT_INFO_PER_MINUTE; i++)
        await remote(order.token, { action: "client-info", phone: "87071234567" });
      const other = await createOrder();
      const response = await remoteRoute(
        jsonRequest(`/api/checkout/${other.token}/remote`, { action: "client-info", phone: "87071234567" }),
        params({ token: other.token }),
      );
      expect(response.status).toBe(429);
      expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(Number(response.headers.get("retry-after"))).toBeLessThanOrEqual(60);
      expect(calls.clientInfo).toBe(CLIENT_INFO_PER_MINUTE);
      expect((await remote(order.token, { action: "client-info", phone: "12345" })).status).toBe(422);
    } finally {
      delete process.env.REMOTE_LOOKUPS_PER_TOKEN;
      delete process.env.REMOTE_LOOKUPS_PER_ADDRESS;
      resetEnvForTests();
    }
  });

  it("send: the QR attempt is closed, the invoice lives 24 h, and nothing polls it on a timer", async () => {
    const order = await createOrder();
    expect((await postPayment(order.token, { device: "desktop" })).status).toBe(200);
    const sent = await remote(order.token, { action: "send", phone: "+77071234567" });
    expect(sent.status).toBe(200);
    expect(calls.create).toEqual([{ phone: "+77071234567", amount: 12_500, comment: expect.any(String) as unknown }]);
    const p = await latestPayment(order.orderId);
    expect(p).toMatchObject({ status: "PENDING", attempt: 2, nextCheckAt: null });
    expect((p.expiresAt?.getTime() ?? 0) - Date.now()).toBeGreaterThan(23.9 * 3600_000);

    // Neither the QR poller nor the reconciler ever asks Kaspi about it, however much time passes.
    const inAnHour = new Date(Date.now() + 3600_000);
    await pollQrPayments(db(), stub, inAnHour);
    await reconcileDuePayments(startPaymentDeps(), { now: inAnHour });
    expect(calls.statusIds.filter((id) => id.startsWith("rm-"))).toEqual([]);
    expect(calls.statusIds.filter((id) => id.startsWith("qr-"))).toHaveLength(1); // the closed QR's tail poll

    // A page load (the checkout starting again with its device hint) keeps the invoice.
    const view = await postPayment(order.token, { device: "desktop" });
    expect(view.body).toMatchObject({ status: "PENDING", attempt: 2, presentation: "remote" });
  });

  it("check: one status call per shopper action; Processed → PAID", async () => {
    const order = await createOrder();
    await remote(order.token, { action: "send", phone: "87071234567" });
    expect((await remote(order.token, { action: "check" })).body).toMatchObject({ status: "PENDING" });
    await remote(order.token, { action: "check" }); // a double click: no second Kaspi call
    expect(calls.status).toBe(1);
    const p = await latestPayment(order.orderId);
    await db().payment.update({
      where: { id: p.id },
      data: {
        kaspiMeta: JSON.stringify({ ...JSON.parse(p.kaspiMeta ?? "{}"), lastCheckAt: new Date(0).toISOString() }),
      },
    });
    status = "PAID";
    expect((await remote(order.token, { action: "check" })).body).toMatchObject({ status: "PAID" });
    expect((await orderRow(order.orderId)).status).toBe("PAID");
  });

  it("cancel (switching back to the QR, or leaving): remote/cancel, and the checkout makes a fresh QR", async () => {
    const order = await createOrder();
    await remote(order.token, { action: "send", phone: "87071234567" });
    expect((await remote(order.token, { action: "cancel" })).body).toMatchObject({ status: "CANCELLED" });
    expect(calls.cancel).toBe(1);
    expect((await orderRow(order.orderId)).status).toBe("CREATED");
    const fresh = await postPayment(order.token, { device: "desktop" });
    expect(fresh.body).toMatchObject({ status: "PENDING", attempt: 2, presentation: "qr" });
  });

  it("without the r3 port: 404", async () => {
    const { remoteInvoice: _dropped, ...r1 } = stub;
    setKaspiGatewayForTests(r1);
    const order = await createOrder();
    expect((await remote(order.token, { action: "send", phone: "87071234567" })).status).toBe(404);
  });
});

// docs/kaspi.md §3: past QrCodeScanWaitTimeout the page drops the QR and asks for a fresh one.
describe("a QR not scanned in time — docs/kaspi.md §3", () => {
  it("retryOf the lapsed attempt makes a fresh QR; a scanned one is kept", async () => {
    const order = await createOrder();
    await postPayment(order.token, { device: "desktop" });
    const first = await latestPayment(order.orderId);
    expect((await postPayment(order.token, { device: "desktop", retryOf: 1 })).body).toMatchObject({ attempt: 1 });
    await db().payment.update({ where: { id: first.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await db().order.update({ where: { id: order.orderId }, data: { kaspiStage: "awaiting_confirmation" } });
    expect((await postPayment(order.token, { device: "desktop", retryOf: 1 })).body).toMatchObject({ attempt: 1 });
    await db().order.update({ where: { id: order.orderId }, data: { kaspiStage: "awaiting_scan" } });
    expect((await postPayment(order.token, { device: "desktop", retryOf: 1 })).body).toMatchObject({
      attempt: 2,
      status: "PENDING",
    });
    expect((await db().payment.findUniqueOrThrow({ where: { id: first.id } })).status).toBe("CANCELLED");
  });
});
