import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { GET } from "@/app/api/kaspi/checkpay/route";
import { db } from "@/lib/db";
import { resetEnvForTests } from "@/lib/env";
import { log } from "@/lib/log";
import { installPeerAddressStamp, PEER_HEADER } from "@/lib/http/peer-address";
import { CHECKPAY_REPLY_MS, checkpayWithinDeadline } from "@/lib/payments/checkpay-use-case";
import { BASE, createOrder, eventsOf, orderRow, outboxOf, postOrderSigned, read } from "../helpers";

// GET /api/kaspi/checkpay — Kaspi's check/pay provider protocol through the real handler:
// result codes 0–5, one pay per txn_id, the amount must match, and only Kaspi's addresses.

const KASPI_IP = "194.187.247.152";
const PROXY_IP = "10.0.0.5";

beforeAll(() => {
  process.env.KASPI_PROTOCOL = "checkpay";
  process.env.KASPI_CHECKPAY_SERVICE_ID = "5001";
  process.env.KASPI_CHECKPAY_PAY_LINK =
    "https://kaspi.kz/pay/_gate?action=service_with_subservice&service_id={service_id}";
  process.env.TRUSTED_PROXIES = PROXY_IP;
  delete process.env.KASPI_CHECKPAY_ALLOWED_IPS;
  resetEnvForTests();
  installPeerAddressStamp();
});

// Most cases read the JSON variant; the XML default has its own tests below (docs/kaspi.md §6).
beforeEach(() => {
  process.env.KASPI_CHECKPAY_FORMAT = "json";
  resetEnvForTests();
});

let seq = 0;
const txn = () => `${Date.now()}${++seq}`;

function call(query: Record<string, string>, opts: { peer?: string; xff?: string } = {}) {
  const headers: Record<string, string> = { [PEER_HEADER]: opts.peer ?? KASPI_IP };
  if (opts.xff) headers["x-forwarded-for"] = opts.xff;
  return GET(new Request(`${BASE}/api/kaspi/checkpay?${new URLSearchParams(query)}`, { headers }));
}

async function gw(command: "check" | "pay", q: { txn_id?: string; account: string; sum?: string }, opts = {}) {
  const query = {
    command,
    txn_id: q.txn_id ?? txn(),
    account: q.account,
    ...(q.sum === undefined ? {} : { sum: q.sum }),
  };
  return read(await call(query, opts));
}

// docs/kaspi.md §6: check's sum is a terminal default, not the amount; the reply's sum is the amount due.
describe("check — docs/kaspi.md §6", () => {
  it.each([
    { name: "payable order → 0", setup: "open", sum: "12500.00", result: 0 },
    { name: "unknown account → 1", setup: "missing", sum: "12500.00", result: 1 },
    { name: "a dummy sum is ignored → 0, sum 12500.00", setup: "open", sum: "0.00", result: 0 },
    { name: "another sum is ignored → 0", setup: "open", sum: "12000.00", result: 0 },
    { name: "kopecks in the dummy sum are ignored → 0", setup: "open", sum: "12500.50", result: 0 },
    { name: "no sum at all → a protocol reply 0", setup: "open", sum: undefined, result: 0 },
    { name: "paid order → 3", setup: "paid", sum: "12500.00", result: 3 },
  ])("$name", async ({ setup, sum, result }) => {
    const order = await createOrder({ accountNumber: `A${txn()}` });
    const account = setup === "missing" ? "no-such-account" : (await orderRow(order.orderId)).accountNumber!;
    if (setup === "paid") expect((await gw("pay", { account, sum: "12500" })).body).toMatchObject({ result: 0 });
    const answer = await gw("check", { account, ...(sum === undefined ? {} : { sum }) });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ result, sum: result === 0 ? "12500.00" : (expect.any(String) as unknown) });
    expect(answer.body).not.toHaveProperty("prv_txn");
  });

  it("an order whose amount changed: check answers the new amount due whatever sum it carries", async () => {
    const order = await createOrder({ accountNumber: `A${txn()}` });
    const { accountNumber } = await orderRow(order.orderId);
    const again = await postOrderSigned({
      externalId: order.externalId,
      accountNumber,
      amount: 13_000,
      currency: "KZT",
    });
    expect(again.status).toBe(200);
    expect((await gw("check", { account: accountNumber!, sum: "12500.00" })).body).toMatchObject({
      result: 0,
      sum: "13000.00",
    });
    // pay must match the amount due exactly.
    expect((await gw("pay", { account: accountNumber!, sum: "12500.00" })).body).toMatchObject({ result: 5 });
    expect((await gw("pay", { account: accountNumber!, sum: "13000.00" })).body).toMatchObject({ result: 0 });
  });

  it("result 2 for a cancelled order", async () => {
    const order = await createOrder({ accountNumber: `A${txn()}` });
    await db().order.update({ where: { id: order.orderId }, data: { status: "CANCELLED" } });
    expect(
      (await gw("check", { account: (await orderRow(order.orderId)).accountNumber!, sum: "12500" })).body,
    ).toMatchObject({ result: 2 });
  });

  it("check never writes", async () => {
    const order = await createOrder({ accountNumber: `A${txn()}` });
    const before = await eventsOf(order.orderId);
    await gw("check", { account: (await orderRow(order.orderId)).accountNumber!, sum: "12500" });
    expect(await eventsOf(order.orderId)).toHaveLength(before.length);
  });
});

describe("pay — docs/kaspi.md §6", () => {
  it.each([
    { name: "another sum → 5", sum: "12000.00", result: 5 },
    { name: "kopecks → 5", sum: "12500.50", result: 5 },
    { name: "no sum → a protocol reply 5 (not an app error)", sum: undefined, result: 5 },
  ])("$name", async ({ sum, result }) => {
    const order = await createOrder({ accountNumber: `A${txn()}` });
    const account = (await orderRow(order.orderId)).accountNumber!;
    const answer = await gw("pay", { account, ...(sum === undefined ? {} : { sum }) });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ result });
    expect((await orderRow(order.orderId)).status).not.toBe("PAID");
  });

  it("marks the order PAID once; a repeated pay answers the same prv_txn; one Bitrix notification", async () => {
    const order = await createOrder({ accountNumber: `A${txn()}` });
    const account = (await orderRow(order.orderId)).accountNumber!;
    const id = txn();
    const first = await gw("pay", { txn_id: id, account, sum: "12500.00" });
    const prvTxn = (first.body as { prv_txn: string }).prv_txn;
    expect(first.body).toEqual({
      txn_id: id,
      prv_txn: expect.stringMatching(/^\d+$/) as unknown,
      // docs/kaspi.md §6: in JSON under both names.
      prv_txn_id: prvTxn,
      sum: "12500.00",
      result: 0,
      comment: "OK",
    });
    const again = await gw("pay", { txn_id: id, account, sum: "12500.00" });
    expect(again.body).toEqual(first.body);
    const row = await orderRow(order.orderId);
    expect(row.status).toBe("PAID");
    const outbox = await outboxOf(order.orderId);
    expect(outbox).toHaveLength(1);
    expect(JSON.parse(outbox[0]!.payload)).toMatchObject({ kaspiPaymentId: id, amount: 12_500 });
    // Another txn_id for the paid order is refused: Kaspi must not take the money twice.
    expect((await gw("pay", { account, sum: "12500.00" })).body).toMatchObject({ result: 3 });
  });

  it("the same txn_id with another sum or account → 5, nothing applied", async () => {
    const order = await createOrder({ accountNumber: `A${txn()}` });
    const account = (await orderRow(order.orderId)).accountNumber!;
    const id = txn();
    await gw("pay", { txn_id: id, account, sum: "12500" });
    expect((await gw("pay", { txn_id: id, account, sum: "1.00" })).body).toMatchObject({ result: 5, txn_id: id });
  });

  it("concurrent pays with two txn_ids: exactly one is accepted", async () => {
    const order = await createOrder({ accountNumber: `A${txn()}` });
    const account = (await orderRow(order.orderId)).accountNumber!;
    const answers = await Promise.all([gw("pay", { account, sum: "12500" }), gw("pay", { account, sum: "12500" })]);
    const results = answers.map((a) => (a.body as { result: number }).result).sort();
    expect(results[0]).toBe(0);
    expect([3, 4]).toContain(results[1]);
    expect(await outboxOf(order.orderId)).toHaveLength(1);
  });

  it("docs/kaspi.md §6: XML <response> by default; orders without an account number are paid by externalId", async () => {
    delete process.env.KASPI_CHECKPAY_FORMAT;
    resetEnvForTests();
    const order = await createOrder();
    const res = await call({ command: "pay", txn_id: txn(), account: order.externalId, sum: "12500" });
    expect(res.headers.get("content-type")).toMatch(/application\/xml/);
    expect(await res.text()).toMatch(
      /<response><txn_id>\d+<\/txn_id><prv_txn>\d+<\/prv_txn><sum>12500\.00<\/sum><result>0<\/result><comment>OK<\/comment><\/response>/,
    );
  });
});

describe("reply deadline — docs/kaspi.md §6 (15 s)", () => {
  it("a reply that would come after the deadline is answered in time: 4 for pay, 5 for check", async () => {
    const never = new Promise<never>(() => undefined);
    const q = { command: "pay" as const, txn_id: "1", account: "a", sum: "100" };
    const started = Date.now();
    expect(await checkpayWithinDeadline(q, never, 50)).toMatchObject({ result: 4, txn_id: "1" });
    expect(await checkpayWithinDeadline({ ...q, command: "check" }, never, 50)).toMatchObject({ result: 5 });
    expect(Date.now() - started).toBeLessThan(5_000); // not the 15 s deadline: the 50 ms one
    expect(CHECKPAY_REPLY_MS).toBeLessThan(15_000);
  });
});

describe("who may call", () => {
  it.each([
    { name: "Kaspi's address", peer: KASPI_IP, xff: undefined, status: 200 },
    { name: "another address", peer: "203.0.113.9", xff: undefined, status: 403 },
    { name: "another address forging X-Forwarded-For", peer: "203.0.113.9", xff: KASPI_IP, status: 403 },
    { name: "Kaspi through the trusted proxy", peer: PROXY_IP, xff: KASPI_IP, status: 200 },
    { name: "someone else through the trusted proxy", peer: PROXY_IP, xff: "203.0.113.9", status: 403 },
  ])("$name → $status", async ({ peer, xff, status }) => {
    const warn = vi.spyOn(log(), "warn").mockImplementation(() => undefined);
    const answer = await gw("check", { account: "x", sum: "1" }, { peer, ...(xff ? { xff } : {}) });
    expect(answer.status).toBe(status);
    if (status === 403) {
      expect(answer.body).toEqual({
        error: { code: "FORBIDDEN", message: "this address may not call the check/pay endpoint" },
      });
      expect(warn).toHaveBeenCalledWith(
        { route: "/api/kaspi/checkpay", client: peer === PROXY_IP && xff ? xff : peer },
        "check/pay request refused",
      );
    }
    warn.mockRestore();
  });

  it("malformed queries → 422 with the error shape", async () => {
    const answer = await read(await call({ command: "refund", txn_id: "1", account: "a", sum: "1" }));
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ error: { code: "VALIDATION_FAILED" } });
  });
});
