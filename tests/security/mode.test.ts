import { beforeEach, describe, expect, it } from "vitest";
import { GET as getOrder } from "@/app/api/orders/[externalId]/route";
import { setKaspiGatewayForTests } from "@/lib/container";
import { db } from "@/lib/db";
import { createFakeKaspiGateway, type FakeKaspiGateway } from "@/tests/support/fake-kaspi-gateway";
import { intakeOrder } from "@/lib/payments/order-intake-use-case";
import { createOrder, eventsOf, newExternalId, outboxOf, params, payOrder, read, signedRequest } from "../helpers";

// Issue "every order knows its mode": fixed at intake, carried by payment.paid and the read-back.

let fake: FakeKaspiGateway;
beforeEach(() => {
  fake = createFakeKaspiGateway();
  setKaspiGatewayForTests(fake);
});

const readBack = async (externalId: string) =>
  read(await getOrder(signedRequest(`/api/orders/${encodeURIComponent(externalId)}`, null), params({ externalId })));

describe("order mode", () => {
  it("an order taken while the sandbox serves payments is 'sandbox' in the read-back and in payment.paid", async () => {
    const order = await createOrder();
    expect((await readBack(order.externalId)).body).toMatchObject({ mode: "sandbox" });
    await payOrder(fake, order);
    const [row] = await outboxOf(order.orderId);
    expect(JSON.parse(row?.payload ?? "{}")).toMatchObject({ event: "payment.paid", mode: "sandbox" });
    const created = (await eventsOf(order.orderId)).find((e) => e.type === "order.created");
    expect(JSON.parse(created?.data ?? "{}")).toMatchObject({ mode: "sandbox" });
  });

  it("an order taken live stays live, whatever the app runs as later", async () => {
    const externalId = newExternalId("live");
    const result = await intakeOrder(
      { db: db(), appUrl: "http://app.test", limits: { min: 100, max: 5_000_000 }, mode: "live" },
      { externalId, amount: 9_000, currency: "KZT" },
    );
    expect(result.ok).toBe(true);
    expect((await readBack(externalId)).body).toMatchObject({ mode: "live", amount: 9_000 });
    const token = result.ok ? (result.value.body.checkoutUrl.split("/pay/")[1] ?? "") : "";
    const orderId = result.ok ? result.value.body.orderId : "";
    await payOrder(fake, { orderId, token, externalId, amount: 9_000, checkoutUrl: "" });
    const [row] = await outboxOf(orderId);
    expect(JSON.parse(row?.payload ?? "{}")).toMatchObject({ event: "payment.paid", mode: "live" });
  });
});
