import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as exportRoute } from "@/app/api/merchant/payments/export/route";
import { GET as listRoute } from "@/app/api/merchant/payments/route";
import { POST as retryRoute } from "@/app/api/merchant/receipts/[id]/retry/route";
import { GET as getOrderRoute } from "@/app/api/orders/[externalId]/route";
import { fiscalWorkerDeps } from "@/lib/container";
import { db } from "@/lib/db";
import { DEFAULT_STORE_ID } from "@/lib/stores/store-id";
import { resetEnvForTests } from "@/lib/env";
import { issueDueReceipts } from "@/lib/fiscal/issue-receipts-use-case";
import { SANDBOX_WEBKASSA } from "@/lib/fiscal/settings";
import { addWebkassaFault, clearWebkassaFaults } from "@/lib/sandbox/webkassa/webkassa-faults";
import { withFakeKaspi } from "@/tests/support/with-fake-kaspi";
import { WebkassaServer } from "@/tests/support/webkassa-server";
import { createOrder, getStatus, latestPayment, params, payOrder, read, signedRequest } from "../helpers";
import { merchantRequest, signedIn } from "../merchant/merchant-helpers";

// Where a receipt shows: the shopper's status JSON (receiptUrl), Bitrix's re-check, the merchant
// list's needs-attention filter and CSV, and the admin's retry route (table-driven answers).

const webkassa = new WebkassaServer();
const fake = withFakeKaspi();
const FISCAL_ENV = {
  FISCAL_PROVIDER: "webkassa",
  WEBKASSA_API_KEY: SANDBOX_WEBKASSA.apiKey,
  WEBKASSA_LOGIN: SANDBOX_WEBKASSA.login,
  WEBKASSA_PASSWORD: SANDBOX_WEBKASSA.password,
  WEBKASSA_CASHBOX_ID: SANDBOX_WEBKASSA.cashboxId,
  WEBKASSA_TIMEOUT_MS: "2000",
};

beforeAll(async () => {
  await webkassa.start();
  Object.assign(process.env, FISCAL_ENV, { WEBKASSA_BASE_URL: webkassa.url });
  resetEnvForTests();
});
afterAll(async () => {
  for (const k of [...Object.keys(FISCAL_ENV), "WEBKASSA_BASE_URL"]) delete process.env[k];
  resetEnvForTests();
  await webkassa.stop();
});

async function round() {
  await db().fiscalReceipt.updateMany({ where: { status: "PENDING" }, data: { nextAttemptAt: new Date(0) } });
  const deps = fiscalWorkerDeps("views");
  if (!deps) throw new Error("receipts off");
  return issueDueReceipts(deps);
}

async function paid(amount = 5000) {
  const order = await createOrder({ amount, items: [{ name: "Книга", quantity: 1, price: amount, vatRate: 16 }] });
  await payOrder(fake, order);
  const payment = await latestPayment(order.orderId);
  return { ...order, paymentId: payment.id };
}

describe("the shopper and Bitrix see the receipt", () => {
  it("the status JSON gets receiptUrl once the receipt is issued; Bitrix's re-check too", async () => {
    const order = await paid();
    expect((await getStatus(order.token)).body).not.toHaveProperty("receiptUrl");
    await round();
    const receipt = await db().fiscalReceipt.findFirstOrThrow({ where: { orderId: order.orderId } });
    expect(await getStatus(order.token)).toMatchObject({
      status: 200,
      body: { status: "PAID", receiptUrl: receipt.ticketUrl },
    });
    const path = `/api/orders/${order.externalId}`;
    const view = await read(await getOrderRoute(signedRequest(path, null), params({ externalId: order.externalId })));
    expect(view.body).toMatchObject({ status: "PAID", receiptUrl: receipt.ticketUrl });
  });
});

describe("the merchant area", () => {
  it("needs-attention lists a payment whose receipt was refused, until it is issued; the CSV has the fiscal sign and link", async () => {
    const session = await signedIn("admin");
    await clearWebkassaFaults(db());
    const order = await paid(6100);
    await addWebkassaFault(db(), { operation: "check", kind: "error", code: 9, delayMs: 0, count: 1 });
    await round();
    const attention = async () =>
      (
        (
          await read(
            await listRoute(merchantRequest(`/api/merchant/payments?attention=1&q=${order.externalId}`, { session })),
          )
        ).body as {
          payments: { id: string }[];
        }
      ).payments.map((p) => p.id);
    expect(await attention()).toEqual([order.paymentId]);

    const receipt = await db().fiscalReceipt.findFirstOrThrow({ where: { paymentId: order.paymentId } });
    const retried = await read(
      await retryRoute(
        merchantRequest(`/api/merchant/receipts/${receipt.id}/retry`, { session, body: {} }),
        params({ id: receipt.id }),
      ),
    );
    expect(retried).toMatchObject({ status: 200, body: { id: receipt.id, kind: "sale", status: "PENDING" } });
    await round();
    expect(await attention()).toEqual([]);

    const csv = await exportRoute(
      merchantRequest(`/api/merchant/payments/export?q=${order.externalId}&delimiter=semicolon`, { session }),
    );
    const [header, row] = new TextDecoder()
      .decode((await csv.arrayBuffer()).slice(3))
      .trim()
      .split("\r\n");
    const issued = await db().fiscalReceipt.findUniqueOrThrow({ where: { id: receipt.id } });
    const cells = row?.split(";") ?? [];
    const columns = header?.split(";") ?? [];
    expect(cells[columns.indexOf("receipt_fiscal_sign")]).toBe(issued.checkNumber);
    expect(cells[columns.indexOf("receipt_url")]).toBe(issued.ticketUrl);
  });

  const refusals: [string, "viewer" | "admin" | null, number, string][] = [
    ["a viewer: 403 FORBIDDEN", "viewer", 403, "FORBIDDEN"],
    ["no session: 401 UNAUTHORIZED", null, 401, "UNAUTHORIZED"],
    ["an unknown receipt: 404 NOT_FOUND", "admin", 404, "NOT_FOUND"],
  ];
  it.each(refusals)("retry by %s", async (_, role, status, code) => {
    const session = role ? await signedIn(role) : null;
    const answer = await read(
      await retryRoute(
        merchantRequest("/api/merchant/receipts/rct_nope/retry", { session, body: {} }),
        params({ id: "rct_nope" }),
      ),
    );
    expect(answer).toMatchObject({ status, body: { error: { code } } });
  });

  it("retry of a return that has no sale receipt is a 409 saying to issue it by hand", async () => {
    const order = await createOrder({ amount: 3000 });
    await payOrder(fake, order);
    const payment = await latestPayment(order.orderId);
    await db().fiscalReceipt.deleteMany({ where: { paymentId: payment.id } });
    const { refundPayment } = await import("@/lib/payments/refund-use-case");
    const { kaspiDeps } = await import("@/lib/container");
    await refundPayment(
      { ...kaspiDeps(), storeId: DEFAULT_STORE_ID },
      { paymentId: payment.id, amount: 3000, actor: { userId: "u", email: "a@b.kz" } },
    );
    const back = await db().fiscalReceipt.findFirstOrThrow({ where: { paymentId: payment.id, kind: "return" } });
    expect(back.status).toBe("FAILED");
    const session = await signedIn("admin");
    const answer = await read(
      await retryRoute(
        merchantRequest(`/api/merchant/receipts/${back.id}/retry`, { session, body: {} }),
        params({ id: back.id }),
      ),
    );
    expect(answer).toMatchObject({
      status: 409,
      body: { error: { code: "CONFLICT", message: expect.stringContaining("by hand") } },
    });
  });
});
