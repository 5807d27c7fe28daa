import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signedPostTransport } from "../bitrix-onprem/signed-post-transport";
import { verifySignature } from "../bitrix-onprem/signature";
import { db } from "../db";
import { newId } from "../ids";
import { deliverDueNotifications } from "./delivery";
import { enqueueNotification } from "./enqueue";

// The outbox end to end on a real SQLite file: a row enqueued inside a transaction, claimed and
// delivered through the on-premise signed POST transport to a real HTTP server.

const SECRET = "outbox-test-secret-0123456789";
let server: Server;
let url: string;
let answer = 200;
const received: { body: string; valid: boolean }[] = [];

function bodyOf(req: IncomingMessage): Promise<string> {
  return new Promise((done) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => done(Buffer.concat(chunks).toString("utf8")));
  });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void bodyOf(req).then((body) => {
      const check = verifySignature({
        secret: SECRET,
        timestamp: req.headers["x-signature-timestamp"] as string,
        nonce: req.headers["x-signature-nonce"] as string,
        signature: req.headers["x-signature"] as string,
        method: req.method ?? "",
        target: req.url ?? "",
        rawBody: body,
        toleranceSeconds: 60,
      });
      received.push({ body, valid: check.ok });
      res.writeHead(answer).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function orderWithPayment() {
  const orderId = newId("ord");
  const paymentId = newId("pay");
  await db().order.create({
    data: {
      id: orderId,
      externalId: newId("ext"),
      amount: 1000,
      currency: "KZT",
      checkoutToken: newId("tok"),
      status: "PAID",
    },
  });
  await db().payment.create({
    data: {
      id: paymentId,
      orderId,
      amount: 1000,
      attempt: 1,
      protocol: "ecom",
      kaspiExternalId: paymentId,
      status: "PAID",
    },
  });
  return { orderId, paymentId };
}

describe("outbox", () => {
  it("a row enqueued in a rolled-back transaction never exists", async () => {
    const { orderId, paymentId } = await orderWithPayment();
    await expect(
      db().$transaction(async (tx) => {
        await enqueueNotification(tx, { storeId: "default", orderId, paymentId, notification: { event: "payment.paid" }, now: new Date() });
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await db().outbox.count({ where: { paymentId } })).toBe(0);
  });

  it("delivers a committed row once, signed over its exact payload; a 500 is retried later", async () => {
    const { orderId, paymentId } = await orderWithPayment();
    const notification = { event: "payment.paid", orderId, amount: 1000 };
    await db().$transaction((tx) => enqueueNotification(tx, { storeId: "default", orderId, paymentId, notification, now: new Date() }));
    const transport = signedPostTransport({ url, secret: SECRET, timeoutMs: 2000 });

    answer = 500;
    expect(await deliverDueNotifications(db(), { transport }, "w1")).toMatchObject({ failed: 1 });
    const failed = await db().outbox.findFirstOrThrow({ where: { paymentId } });
    expect(failed).toMatchObject({ deliveredAt: null, attempts: 1, lastError: "HTTP 500" });

    answer = 200;
    const later = new Date(failed.nextAttemptAt.getTime() + 1);
    expect(await deliverDueNotifications(db(), { transport }, "w1", later)).toMatchObject({ delivered: 1 });
    expect((await db().outbox.findFirstOrThrow({ where: { paymentId } })).deliveredAt).not.toBeNull();
    const mine = received.filter((r) => r.body.includes(paymentId) || r.body.includes(orderId));
    expect(mine).toHaveLength(2);
    expect(mine.every((r) => r.valid && JSON.parse(r.body).event === "payment.paid")).toBe(true);
  });
});
