import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GET as checkpayRoute } from "@/app/api/kaspi/checkpay/route";
import { POST as linksRoute } from "@/app/sandbox/kaspi/checkpay/links/route";
import { POST as onlineRoute } from "@/app/sandbox/kaspi/online/route";
import { setKaspiGatewayForTests } from "@/lib/container";
import { db } from "@/lib/db";
import { resetEnvForTests } from "@/lib/env";
import { resetBreakers } from "@/lib/kaspi/circuit-breaker";
import { paymentViewSchema } from "@/lib/payments/checkout-views";
import { addFault, clearFaults } from "@/lib/sandbox/faults";
import { sandboxDecide } from "@/lib/sandbox/decide";
import { createOrder, latestPayment, orderRow, outboxOf, postPayment } from "../helpers";
import { startRouteServer } from "../support/route-server";

// The whole check/pay flow with the Kaspi button (KASPI_CHECKPAY_ENTRY=online, the default) over
// real HTTP, in process: the checkout's POST makes the app POST the order as JSON to the sandbox's
// /sandbox/kaspi/online (docs/kaspi.md §8), the page gets Kaspi's link and PNG; the sandbox's Kaspi
// app then calls the app's check and pay like Kaspi (docs/kaspi.md §6). Faults: a refused Service,
// no answer, JSON not taken (the form instead), pay repeated, pay with another sum.

let server: Awaited<ReturnType<typeof startRouteServer>>;

beforeAll(async () => {
  server = await startRouteServer({
    "/sandbox/kaspi/online": { POST: onlineRoute },
    "/sandbox/kaspi/checkpay/links": { POST: linksRoute },
    "/api/kaspi/checkpay": { GET: checkpayRoute },
  });
  process.env.PORT = String(server.port);
  process.env.KASPI_PROTOCOL = "checkpay";
  process.env.KASPI_TIMEOUT_MS = "500";
  delete process.env.KASPI_CHECKPAY_SERVICE_ID;
  delete process.env.KASPI_CHECKPAY_ENTRY;
  delete process.env.KASPI_CHECKPAY_ALLOWED_IPS;
  resetEnvForTests();
  setKaspiGatewayForTests(undefined);
});

afterAll(async () => {
  await server.close();
});

afterEach(async () => {
  await clearFaults(db());
  resetBreakers();
});

const RETURN_URL = "https://shop.example.kz/personal/order/detail/1041/";

async function start() {
  const order = await createOrder({ accountNumber: `N${Date.now() % 1e9}`, returnUrl: RETURN_URL });
  return { ...order, answer: await postPayment(order.token) };
}

const sandboxIdOf = (link: string) => /\/sandbox\/kaspi\/pay\/(\d+)$/.exec(link)?.[1] ?? "";

describe("the Kaspi button, JSON answered", () => {
  it("the page gets Kaspi's link and its PNG; Confirm → check (fields) → pay → PAID, txn_date kept, one payment.paid", async () => {
    const { orderId, answer } = await start();
    expect(answer.status).toBe(200);
    const view = paymentViewSchema.parse(answer.body);
    expect(view).toMatchObject({ status: "PENDING", attempt: 1 });
    expect(view.paymentLink).toMatch(/^http:\/\/app\.test\/sandbox\/kaspi\/pay\/\d+$/);
    expect(view.qr?.format).toBe("png-base64");
    expect(
      Buffer.from(view.qr?.value ?? "", "base64")
        .subarray(1, 4)
        .toString(),
    ).toBe("PNG");
    expect(view.kaspiForm).toBeUndefined();

    // What "Kaspi" was told: the order's account, tenge, and the store's own order page.
    const id = sandboxIdOf(view.paymentLink ?? "");
    const { accountNumber } = await orderRow(orderId);
    expect(await db().sandboxPayment.findUniqueOrThrow({ where: { id } })).toMatchObject({
      account: accountNumber,
      amount: 12_500,
      redirectUrl: RETURN_URL,
      presentation: "online-json",
    });
    // One POST per payment start: a reload of the checkout reuses the attempt.
    expect((await postPayment((await orderRow(orderId)).checkoutToken)).body).toMatchObject({ attempt: 1 });
    expect(await db().sandboxPayment.count({ where: { account: accountNumber } })).toBe(1);

    const decided = await sandboxDecide(db(), id, "COMPLETED");
    expect(decided.ok).toBe(true);
    expect(decided.calls?.map((c) => [c.command, c.result])).toEqual([
      ["check", 0],
      ["pay", 0],
    ]);
    expect(decided.calls?.[0]?.fields.map((f) => f.name)).toEqual(["Магазин", "Заказ", "Сумма"]);
    expect(decided.calls?.[0]?.sum).toBe("12500.00");

    expect((await orderRow(orderId)).status).toBe("PAID");
    const payment = await latestPayment(orderId);
    expect(payment).toMatchObject({ status: "PAID", kaspiPaymentId: id });
    expect(payment?.kaspiTxnDate).toMatch(/^\d{14}$/);
    const outbox = await outboxOf(orderId);
    expect(outbox).toHaveLength(1);
    expect(JSON.parse(outbox[0]!.payload)).toMatchObject({ event: "payment.paid", kaspiPaymentId: id, amount: 12_500 });
  });
});

describe("refusal and no answer: a clear JSON error, the order stays payable", () => {
  it("a refused Service → 502 KASPI_REJECTED with Kaspi's reason; the next try works", async () => {
    await addFault(db(), { operation: "online", kind: "refuse", delayMs: 0, count: 1 });
    const { orderId, token, answer } = await start();
    expect(answer.status).toBe(502);
    expect(answer.body).toEqual({
      error: {
        code: "KASPI_REJECTED",
        message:
          "Kaspi refused to create the payment: Kaspi refused the payment (code 4): Kaspi refused the request (sandbox fault)",
        details: { attempt: 1 },
      },
    });
    expect((await latestPayment(orderId))?.lastError).toContain("code 4");
    const retry = await postPayment(token, { retryOf: 1 });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ status: "PENDING", attempt: 2 });
  });

  it("no answer in time → 503 KASPI_UNAVAILABLE; the attempt waits and is made once Kaspi answers", async () => {
    await addFault(db(), { operation: "online", kind: "timeout", delayMs: 1_500, count: 1 });
    const { orderId, token, answer } = await start();
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ error: { code: "KASPI_UNAVAILABLE", details: { attempt: 1 } } });
    expect((await latestPayment(orderId))?.status).toBe("CREATED");
    // Past the retry pause (CREATION_RETRY_MS), the shopper's page asks again.
    await db().payment.updateMany({ where: { orderId }, data: { nextCheckAt: new Date(Date.now() - 1) } });
    const again = await postPayment(token);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: "PENDING", attempt: 1 });
  });
});

describe("JSON not taken: the browser form", () => {
  it("the page gets the form (action KASPI_ONLINE_URL, the fields minus the JSON-only two); posting it reaches the Kaspi app; Confirm → PAID", async () => {
    await addFault(db(), { operation: "online", kind: "json_refused", delayMs: 0, count: 1 });
    const { orderId, answer } = await start();
    expect(answer.status).toBe(200);
    const view = paymentViewSchema.parse(answer.body);
    const { accountNumber } = await orderRow(orderId);
    expect(view.paymentLink).toBeUndefined();
    expect(view.kaspiForm).toEqual({
      action: "http://app.test/sandbox/kaspi/online",
      fields: {
        TranId: accountNumber,
        OrderId: accountNumber,
        Amount: "1250000",
        Service: "sandbox",
        returnUrl: RETURN_URL,
      },
    });

    // The shopper's browser posts the form.
    const posted = await onlineRoute(
      new Request("http://app.test/sandbox/kaspi/online", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(view.kaspiForm?.fields).toString(),
      }),
    );
    expect(posted.status).toBe(303);
    const id = sandboxIdOf(posted.headers.get("location") ?? "");
    expect((await sandboxDecide(db(), id, "COMPLETED")).ok).toBe(true);
    expect((await orderRow(orderId)).status).toBe("PAID");
  });
});

describe("Kaspi's pay faults", () => {
  it("pay repeated with one txn_id: the same answer twice, paid once", async () => {
    const { orderId, answer } = await start();
    const id = sandboxIdOf(paymentViewSchema.parse(answer.body).paymentLink ?? "");
    await addFault(db(), { operation: "pay", kind: "duplicate", delayMs: 0, count: 1, paymentId: id });
    const decided = await sandboxDecide(db(), id, "COMPLETED");
    expect(decided.ok).toBe(true);
    const pays = decided.calls?.filter((c) => c.command === "pay") ?? [];
    expect(pays).toHaveLength(2);
    expect(pays[1]).toEqual(pays[0]);
    expect(await outboxOf(orderId)).toHaveLength(1);
    expect(await db().kaspiCheckpayTxn.count({ where: { txnId: id } })).toBe(1);
  });

  it("pay with another sum than check answered: the store answers 5, nothing is paid, the order stays payable", async () => {
    const { orderId, answer } = await start();
    const id = sandboxIdOf(paymentViewSchema.parse(answer.body).paymentLink ?? "");
    await addFault(db(), { operation: "pay", kind: "other_sum", delayMs: 0, count: 1, paymentId: id });
    const decided = await sandboxDecide(db(), id, "COMPLETED");
    expect(decided).toMatchObject({ ok: false, code: "PAY_REFUSED" });
    expect(decided.calls?.find((c) => c.command === "pay")).toMatchObject({ result: 5, sum: "12501.00" });
    expect((await orderRow(orderId)).status).not.toBe("PAID");
    expect(await outboxOf(orderId)).toHaveLength(0);
    // Still payable: Kaspi's next check answers 0 and a pay of the right sum goes through.
    const { accountNumber } = await orderRow(orderId);
    const kaspi = (q: Record<string, string>) =>
      fetch(`http://127.0.0.1:${server.port}/api/kaspi/checkpay?${new URLSearchParams(q)}`).then((r) => r.text());
    expect(await kaspi({ command: "check", txn_id: "900001", account: accountNumber ?? "", sum: "0.00" })).toContain(
      "<result>0</result>",
    );
    expect(
      await kaspi({
        command: "pay",
        txn_id: "900001",
        account: accountNumber ?? "",
        sum: "12500.00",
        txn_date: "20261206120000",
      }),
    ).toContain("<result>0</result>");
    expect((await orderRow(orderId)).status).toBe("PAID");
  });
});

describe("KASPI_CHECKPAY_ENTRY=link keeps the service link", () => {
  it("no POST to the Kaspi button: the link, a QR drawn from it; Confirm → PAID", async () => {
    process.env.KASPI_CHECKPAY_ENTRY = "link";
    resetEnvForTests();
    setKaspiGatewayForTests(undefined);
    try {
      const { orderId, answer } = await start();
      const view = paymentViewSchema.parse(answer.body);
      expect(view.qr).toEqual({ format: "text", value: view.paymentLink });
      const id = sandboxIdOf(view.paymentLink ?? "");
      expect(await db().sandboxPayment.findUniqueOrThrow({ where: { id } })).toMatchObject({ presentation: null });
      expect((await sandboxDecide(db(), id, "COMPLETED")).ok).toBe(true);
      expect((await orderRow(orderId)).status).toBe("PAID");
    } finally {
      delete process.env.KASPI_CHECKPAY_ENTRY;
      resetEnvForTests();
      setKaspiGatewayForTests(undefined);
    }
  });
});
