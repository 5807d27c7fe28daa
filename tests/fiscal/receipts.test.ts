import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fiscalWorkerDeps } from "@/lib/container";
import { db } from "@/lib/db";
import { DEFAULT_STORE_ID } from "@/lib/stores/store-id";
import { resetEnvForTests } from "@/lib/env";
import { issueDueReceipts, type FiscalWorkerDeps } from "@/lib/fiscal/issue-receipts-use-case";
import { SANDBOX_WEBKASSA } from "@/lib/fiscal/settings";
import { zReportDue } from "@/lib/fiscal/shift-schedule";
import { retryReceipt } from "@/lib/fiscal/retry-receipt-use-case";
import { refundPayment } from "@/lib/payments/refund-use-case";
import { kaspiDeps } from "@/lib/container";
import {
  addWebkassaFault,
  clearWebkassaFaults,
  type WebkassaFaultRequest,
} from "@/lib/sandbox/webkassa/webkassa-faults";
import { resetSimulatorConcurrency, simulatorConcurrency } from "@/lib/sandbox/webkassa/webkassa-simulator";
import { withFakeKaspi } from "@/tests/support/with-fake-kaspi";
import { WebkassaServer } from "@/tests/support/webkassa-server";
import {
  callbackBody,
  createOrder,
  eventsOf,
  latestPayment,
  orderRow,
  outboxOf,
  payOrder,
  postCallback,
  postPayment,
} from "../helpers";

// Fiscal receipts end to end in one process: the real intake, checkout and callback routes, the
// receipt rows written with the state change, the worker step against the Webkassa simulator over
// real HTTP, and what the merchant and Bitrix then see. Exactly once under duplicates, each fault.

const webkassa = new WebkassaServer();
const fake = withFakeKaspi();
const saved: Record<string, string | undefined> = {};
const FISCAL_ENV = [
  "FISCAL_PROVIDER",
  "WEBKASSA_BASE_URL",
  "WEBKASSA_API_KEY",
  "WEBKASSA_LOGIN",
  "WEBKASSA_PASSWORD",
  "WEBKASSA_CASHBOX_ID",
  "WEBKASSA_TIMEOUT_MS",
  "FISCAL_NOTIFY_WAIT_SECONDS",
];

beforeAll(async () => {
  await webkassa.start();
  for (const k of FISCAL_ENV) saved[k] = process.env[k];
  Object.assign(process.env, {
    FISCAL_PROVIDER: "webkassa",
    WEBKASSA_BASE_URL: webkassa.url,
    WEBKASSA_API_KEY: SANDBOX_WEBKASSA.apiKey,
    WEBKASSA_LOGIN: SANDBOX_WEBKASSA.login,
    WEBKASSA_PASSWORD: SANDBOX_WEBKASSA.password,
    WEBKASSA_CASHBOX_ID: SANDBOX_WEBKASSA.cashboxId,
    WEBKASSA_TIMEOUT_MS: "2000",
    FISCAL_NOTIFY_WAIT_SECONDS: "30",
  });
  resetEnvForTests();
});
afterAll(async () => {
  for (const k of FISCAL_ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  resetEnvForTests();
  await webkassa.stop();
});
beforeEach(async () => {
  await clearWebkassaFaults(db());
  await db().fiscalCashbox.updateMany({
    data: { blockedAt: null, blockedReason: null, lockedUntil: null, lockedBy: null },
  });
  resetSimulatorConcurrency();
});

const items = [
  { name: "Чай зелёный", quantity: 2, price: 2500, vatRate: 16 },
  { name: "Мёд", quantity: 0.75, price: 4000, vatRate: 0 },
  { name: "Доставка", quantity: 1, price: 4500, vatRate: null },
];

function worker(id = "w1"): FiscalWorkerDeps {
  const deps = fiscalWorkerDeps(id);
  if (!deps) throw new Error("fiscal receipts are off");
  return deps;
}

/** Runs worker rounds as the background loop would (due rows only), `times` rounds "later" each. */
async function rounds(times = 1, deps = worker()) {
  const all = [];
  for (let i = 0; i < times; i++) {
    await db().fiscalReceipt.updateMany({ where: { status: "PENDING" }, data: { nextAttemptAt: new Date(0) } });
    all.push(await issueDueReceipts(deps));
  }
  return all;
}

const fault = (f: Partial<WebkassaFaultRequest> & Pick<WebkassaFaultRequest, "operation" | "kind">) =>
  addWebkassaFault(db(), { delayMs: 0, count: 1, ...f });

async function paidOrder(amount = 12_500, withItems = true) {
  const order = await createOrder({
    amount,
    ...(withItems ? { items } : {}),
    customer: { email: "buyer@example.kz", phone: "+7 701 234 56 78" },
  });
  const paid = await payOrder(fake, order);
  const payment = await latestPayment(order.orderId);
  return { ...order, ...paid, paymentId: payment.id };
}

const receiptsOf = (paymentId: string) =>
  db().fiscalReceipt.findMany({ where: { paymentId }, orderBy: { createdAt: "asc" } });
const checksFor = (ecn: string) => db().sandboxWebkassaCheck.findMany({ where: { externalCheckNumber: ecn } });

describe("sale receipts", () => {
  it("one receipt under 100 duplicate callbacks and three workers at once", async () => {
    const order = await createOrder({ amount: 12_500, items });
    expect((await postPayment(order.token)).status).toBe(200);
    const payment = await latestPayment(order.orderId);
    fake.setStatus(payment.kaspiPaymentId ?? "", "PAID");
    const answers = await Promise.all(
      Array.from({ length: 100 }, () =>
        postCallback(callbackBody(payment.kaspiPaymentId ?? "", payment.kaspiExternalId, "COMPLETED")),
      ),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const rows = await receiptsOf(payment.id);
    expect(rows).toHaveLength(1);
    const results = await Promise.all(["a", "b", "c"].map((id) => issueDueReceipts(worker(id))));
    expect(results.filter((r) => r.busy)).toHaveLength(2); // one lease: the others wait their turn
    await rounds(2);
    const [receipt] = await receiptsOf(payment.id);
    expect(receipt).toMatchObject({ status: "ISSUED", kind: "sale", attempts: 1 });
    expect(await checksFor(receipt?.externalCheckNumber ?? "")).toHaveLength(1);
    expect(simulatorConcurrency().maxInFlight).toBe(1);
  });

  it("positions are the order's lines one to one; the buyer's e-mail and phone and the payment type go along", async () => {
    const p = await paidOrder();
    await rounds();
    const [receipt] = await receiptsOf(p.paymentId);
    const [check] = await checksFor(receipt?.externalCheckNumber ?? "");
    const request = JSON.parse(check?.request ?? "{}") as Record<string, unknown>;
    expect(request).toMatchObject({
      operationtype: 2,
      payments: [{ sum: 12_500, paymenttype: 4 }],
      customeremail: "buyer@example.kz",
      customerphone: "+77012345678",
      cashboxuniquenumber: SANDBOX_WEBKASSA.cashboxId,
    });
    expect(request.positions).toEqual([
      { count: 2, price: 2500, taxtype: 100, taxpercent: 16, tax: 689.66, positionname: "Чай зелёный", unitcode: 796 },
      { count: 0.75, price: 4000, taxtype: 100, taxpercent: 0, tax: 0, positionname: "Мёд", unitcode: 796 },
      { count: 1, price: 4500, taxtype: 0, taxpercent: 0, tax: 0, positionname: "Доставка", unitcode: 796 },
    ]);
    expect(receipt).toMatchObject({
      checkNumber: check?.id,
      shiftNumber: check?.shiftNumber,
      orderNumber: check?.orderNumber,
      registrationNumber: "000000000001",
      ticketUrl: expect.stringContaining(`/sandbox/webkassa/ticket/${check?.id}`),
    });
  });

  it("an order without lines (an old client) gets one line named after the order", async () => {
    const p = await paidOrder(7000, false);
    await rounds();
    const [receipt] = await receiptsOf(p.paymentId);
    const [check] = await checksFor(receipt?.externalCheckNumber ?? "");
    const request = JSON.parse(check?.request ?? "{}") as {
      positions: { positionname: string; price: number; taxtype: number }[];
    };
    expect(request.positions).toHaveLength(1);
    expect(request.positions[0]).toMatchObject({ positionname: `Заказ № ${p.externalId}`, price: 7000, taxtype: 0 });
  });

  it("payment.paid waits (boundedly) for the receipt and then carries receiptUrl; the order shows it", async () => {
    const before = Date.now();
    const p = await paidOrder();
    const [waiting] = await outboxOf(p.orderId);
    expect(waiting?.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(before + 29_000);
    await rounds();
    const [receipt] = await receiptsOf(p.paymentId);
    const [notification] = await outboxOf(p.orderId);
    expect(notification?.nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect(JSON.parse(notification?.payload ?? "{}")).toMatchObject({
      event: "payment.paid",
      receiptUrl: receipt?.ticketUrl,
    });
    expect((await orderRow(p.orderId)).receiptUrl).toBe(receipt?.ticketUrl);
    expect((await eventsOf(p.orderId)).map((e) => e.type)).toEqual(
      expect.arrayContaining(["receipt.queued", "receipt.issued"]),
    );
  });
});

describe("return receipts", () => {
  it("a full refund: the sale's lines, and ReturnBasisDetails equal to the sale", async () => {
    const p = await paidOrder();
    await rounds();
    const refund = await refundPayment(
      { ...kaspiDeps(), storeId: DEFAULT_STORE_ID },
      {
        paymentId: p.paymentId,
        amount: 12_500,
        actor: { userId: "u", email: "admin@shop.kz" },
      },
    );
    expect(refund.ok && refund.value.refund.status).toBe("SUCCEEDED");
    await rounds();
    const [sale, back] = await receiptsOf(p.paymentId);
    expect(back).toMatchObject({ kind: "return", status: "ISSUED", total: 12_500 });
    const [saleCheck] = await checksFor(sale?.externalCheckNumber ?? "");
    const [returnCheck] = await checksFor(back?.externalCheckNumber ?? "");
    const request = JSON.parse(returnCheck?.request ?? "{}") as Record<string, unknown>;
    const saleRequest = JSON.parse(saleCheck?.request ?? "{}") as Record<string, unknown>;
    expect(request.operationtype).toBe(3);
    expect(request.positions).toEqual(saleRequest.positions);
    expect(request.returnbasisdetails).toEqual({
      checknumber: sale?.checkNumber,
      datetime: saleCheck?.registeredAt.toISOString().replace(/\.\d{3}Z$/, ".000Z"),
      registrationnumber: sale?.registrationNumber,
      total: 12_500,
      isoffline: false,
    });
    const [, refunded] = await outboxOf(p.orderId).then((rows) =>
      rows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()),
    );
    expect(JSON.parse(refunded?.payload ?? "{}")).toMatchObject({
      event: "payment.refunded",
      receiptUrl: back?.ticketUrl,
    });
  });

  it("partial refunds: one line per VAT rate, split in proportion; each against the same sale", async () => {
    const p = await paidOrder();
    await rounds();
    for (const amount of [5000, 2500]) {
      const r = await refundPayment(
        { ...kaspiDeps(), storeId: DEFAULT_STORE_ID },
        {
          paymentId: p.paymentId,
          amount,
          actor: { userId: "u", email: "a@b.kz" },
        },
      );
      expect(r.ok).toBe(true);
    }
    await rounds();
    const [sale, first, second] = await receiptsOf(p.paymentId);
    expect([first?.status, second?.status]).toEqual(["ISSUED", "ISSUED"]);
    const [check] = await checksFor(first?.externalCheckNumber ?? "");
    const request = JSON.parse(check?.request ?? "{}") as {
      positions: { price: number; taxpercent: number; taxtype: number }[];
      returnbasisdetails: { checknumber: string };
    };
    // 5000 over 16 % (5000 of 12 500), 0 % (3000) and none (4500): 2000 / 1200 / 1800.
    expect(request.positions.map((x) => [x.price, x.taxtype, x.taxpercent])).toEqual([
      [2000, 100, 16],
      [1200, 100, 0],
      [1800, 0, 0],
    ]);
    expect(request.returnbasisdetails.checknumber).toBe(sale?.checkNumber);
  });

  it("a return waits for its sale: while the sale is not issued nothing is sent for the return", async () => {
    const p = await paidOrder();
    await fault({ operation: "check", kind: "error", code: 9 });
    await rounds(); // the sale is refused (9): FAILED
    expect((await receiptsOf(p.paymentId))[0]?.status).toBe("FAILED");
    await refundPayment(
      { ...kaspiDeps(), storeId: DEFAULT_STORE_ID },
      {
        paymentId: p.paymentId,
        amount: 12_500,
        actor: { userId: "u", email: "a@b.kz" },
      },
    );
    await rounds();
    expect((await receiptsOf(p.paymentId))[1]).toMatchObject({
      status: "PENDING",
      lastError: "waiting for the sale receipt (FAILED)",
      sentAt: null,
    });
    const sale = (await receiptsOf(p.paymentId))[0];
    expect((await retryReceipt(db(), DEFAULT_STORE_ID, sale?.id ?? "", { email: "admin@shop.kz" })).ok).toBe(true);
    await rounds(2);
    expect((await receiptsOf(p.paymentId)).map((r) => r.status)).toEqual(["ISSUED", "ISSUED"]);
  });
});

describe("faults", () => {
  it("a dropped answer after the receipt was made: found by lookup, never a second receipt", async () => {
    const p = await paidOrder();
    await fault({ operation: "check", kind: "drop" });
    expect((await rounds())[0]).toMatchObject({ retried: 1 });
    const [pending] = await receiptsOf(p.paymentId);
    expect(pending).toMatchObject({ status: "PENDING", sentAt: expect.any(Date) });
    await rounds();
    const [receipt] = await receiptsOf(p.paymentId);
    expect(receipt?.status).toBe("ISSUED");
    expect(await checksFor(receipt?.externalCheckNumber ?? "")).toHaveLength(1);
    expect((await eventsOf(p.orderId)).some((e) => e.message?.includes("found by its external number"))).toBe(true);
  });

  it("a request that never arrived (connection refused) is sent again without a lookup", async () => {
    const p = await paidOrder();
    const dead = { ...worker(), provider: worker().provider };
    process.env.WEBKASSA_BASE_URL = "http://127.0.0.1:9";
    resetEnvForTests();
    expect((await rounds(1, worker("dead")))[0]).toMatchObject({ retried: 1 });
    expect((await receiptsOf(p.paymentId))[0]).toMatchObject({ status: "PENDING", sentAt: null });
    process.env.WEBKASSA_BASE_URL = webkassa.url;
    resetEnvForTests();
    await rounds(1, dead);
    expect((await receiptsOf(p.paymentId))[0]?.status).toBe("ISSUED");
  });

  it("a duplicate answer without the receipt is resolved by lookup", async () => {
    const p = await paidOrder();
    const [row] = await receiptsOf(p.paymentId);
    // The service got an earlier copy whose answer was lost, and this process forgot it sent it.
    await fault({ operation: "check", kind: "drop" });
    await rounds();
    await db().fiscalReceipt.update({ where: { id: row?.id ?? "" }, data: { sentAt: null } });
    await rounds();
    const [receipt] = await receiptsOf(p.paymentId);
    expect(receipt?.status).toBe("ISSUED");
    expect(await checksFor(receipt?.externalCheckNumber ?? "")).toHaveLength(1);
  });

  it("shift over 24 h: a Z report, then the receipt in the same round", async () => {
    await paidOrder();
    await rounds();
    const p = await paidOrder();
    await fault({ operation: "check", kind: "shift_24h" });
    expect((await rounds())[0]).toMatchObject({ issued: 1 });
    const [receipt] = await receiptsOf(p.paymentId);
    expect(receipt?.status).toBe("ISSUED");
    expect((await eventsOf(p.orderId)).map((e) => e.type)).toContain("receipt.shift_closed");
    const shifts = await db().sandboxWebkassaShift.findMany({ orderBy: { number: "desc" }, take: 2 });
    expect(shifts[1]?.closedAt).not.toBeNull();
    expect(receipt?.shiftNumber).toBe(shifts[0]?.number);
  });

  it("an expired token: authorised again once, the receipt issued in the same round", async () => {
    await paidOrder();
    await rounds();
    const p = await paidOrder();
    await fault({ operation: "check", kind: "expire_token" });
    expect((await rounds())[0]).toMatchObject({ issued: 1 });
    expect((await receiptsOf(p.paymentId))[0]?.status).toBe("ISSUED");
  });

  it("cash register blocked (7): held, the register stopped, an alert; an admin's retry goes on", async () => {
    const a = await paidOrder();
    const b = await paidOrder();
    await fault({ operation: "check", kind: "error", code: 7 });
    expect((await rounds())[0]).toMatchObject({ held: 1 });
    expect((await receiptsOf(a.paymentId))[0]).toMatchObject({ status: "HELD", errorCode: 7 });
    expect(
      (await db().fiscalCashbox.findUniqueOrThrow({ where: { id: SANDBOX_WEBKASSA.cashboxId } })).blockedAt,
    ).not.toBeNull();
    expect((await eventsOf(a.orderId)).find((e) => e.type === "receipt.held")?.message).toContain(
      "cash register blocked",
    );
    const checks = await db().sandboxWebkassaCheck.count();
    await rounds(2);
    expect(await db().sandboxWebkassaCheck.count()).toBe(checks); // stopped: nothing sent, not even b's
    expect((await receiptsOf(b.paymentId))[0]?.status).toBe("PENDING");
    const held = (await receiptsOf(a.paymentId))[0];
    expect((await retryReceipt(db(), DEFAULT_STORE_ID, held?.id ?? "", { email: "admin@shop.kz" })).ok).toBe(true);
    await rounds();
    expect((await receiptsOf(a.paymentId))[0]?.status).toBe("ISSUED");
    expect((await receiptsOf(b.paymentId))[0]?.status).toBe("ISSUED");
  });

  it.each([9, 17, -1])("refusal %i is final: FAILED, on the timeline, not retried by itself", async (code) => {
    const p = await paidOrder();
    await fault({ operation: "check", kind: "error", code });
    expect((await rounds())[0]).toMatchObject({ failed: 1 });
    await rounds(2);
    const [receipt] = await receiptsOf(p.paymentId);
    expect(receipt).toMatchObject({ status: "FAILED", errorCode: code === -1 ? -1 : code, attempts: 1 });
    expect((await eventsOf(p.orderId)).find((e) => e.type === "receipt.failed")?.message).toContain(`[${code}]`);
  });

  it.each([505, 13])("transient %i is retried with backoff, then issued", async (code) => {
    const p = await paidOrder();
    await fault({ operation: "check", kind: "error", code });
    const started = Date.now();
    expect(await issueDueReceipts(worker())).toMatchObject({ retried: 1 });
    const [waiting] = await receiptsOf(p.paymentId);
    expect(waiting?.nextAttemptAt.getTime()).toBeGreaterThanOrEqual(started + 4_000);
    await rounds();
    expect((await receiptsOf(p.paymentId))[0]?.status).toBe("ISSUED");
  });

  it("a wrong password stops receipts (held) rather than failing each one", async () => {
    const p = await paidOrder();
    process.env.WEBKASSA_PASSWORD = "wrong";
    resetEnvForTests();
    expect((await rounds(1, worker("wrong-password")))[0]).toMatchObject({ held: 1 });
    expect((await receiptsOf(p.paymentId))[0]).toMatchObject({ status: "HELD", errorCode: 1 });
    process.env.WEBKASSA_PASSWORD = SANDBOX_WEBKASSA.password;
    resetEnvForTests();
  });
});

describe("the daily Z report", () => {
  it("is due once per Almaty day, at or after FISCAL_SHIFT_CLOSE_AT", () => {
    const at = (iso: string) => new Date(iso);
    expect(zReportDue("23:55", null, at("2026-12-06T18:54:00Z"))).toBe(false); // 23:54 in Almaty (+05)
    expect(zReportDue("23:55", null, at("2026-12-06T18:55:00Z"))).toBe(true);
    expect(zReportDue("23:55", "2026-12-06", at("2026-12-06T18:58:00Z"))).toBe(false);
    expect(zReportDue("00:10", "2026-12-06", at("2026-12-06T19:20:00Z"))).toBe(true); // 00:20 on the 7th
  });

  it("closes the shift once that day, whichever worker holds the lease", async () => {
    await paidOrder();
    await rounds();
    await db().fiscalCashbox.updateMany({ data: { lastZReportDay: null } });
    const deps = { ...worker(), shiftCloseAt: "00:00" };
    await issueDueReceipts(deps);
    const open = await db().sandboxWebkassaShift.count({ where: { closedAt: null } });
    expect(open).toBe(0);
    const closedBefore = await db().sandboxWebkassaShift.count();
    await issueDueReceipts({ ...deps, workerId: "other" });
    expect(await db().sandboxWebkassaShift.count()).toBe(closedBefore);
    expect(
      (await db().fiscalCashbox.findUniqueOrThrow({ where: { id: SANDBOX_WEBKASSA.cashboxId } })).lastZReportDay,
    ).toMatch(/^\d{4}-\d\d-\d\d$/);
  });
});

describe("sandbox money and a real Webkassa", () => {
  it("a Kaspi sandbox payment gets no receipt from a real Webkassa (only a simulator issues those)", async () => {
    process.env.WEBKASSA_API_KEY = "WKD-REAL-INTEGRATOR-KEY";
    resetEnvForTests();
    try {
      const order = await createOrder({ amount: 5000 });
      await payOrder(fake, order);
      expect((await orderRow(order.orderId)).mode).toBe("sandbox");
      expect(await db().fiscalReceipt.count({ where: { orderId: order.orderId } })).toBe(0);
    } finally {
      process.env.WEBKASSA_API_KEY = SANDBOX_WEBKASSA.apiKey;
      resetEnvForTests();
    }
  });
});

describe("FISCAL_PROVIDER=none", () => {
  it("writes no receipt and builds no worker", async () => {
    process.env.FISCAL_PROVIDER = "none";
    resetEnvForTests();
    try {
      const order = await createOrder({
        amount: 5000,
        items: [{ name: "x", quantity: 1, price: 5000, vatRate: null }],
      });
      await payOrder(fake, order);
      expect(await db().fiscalReceipt.count({ where: { orderId: order.orderId } })).toBe(0);
      expect(fiscalWorkerDeps("w")).toBeNull();
      const [notification] = await outboxOf(order.orderId);
      expect(notification?.nextAttemptAt.getTime()).toBeLessThanOrEqual(Date.now());
    } finally {
      process.env.FISCAL_PROVIDER = "webkassa";
      resetEnvForTests();
    }
  });
});
