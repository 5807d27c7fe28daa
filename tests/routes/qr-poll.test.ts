import { afterEach, describe, expect, it } from "vitest";
import { setKaspiGatewayForTests } from "@/lib/container";
import { db } from "@/lib/db";
import type { CreatedPayment, KaspiGateway, KaspiPaymentState, KaspiResult } from "@/lib/kaspi/gateway";
import { pollQrPayments } from "@/lib/payments/qr-poll-use-case";
import { createOrder, eventsOf, getStatus, latestPayment, orderRow, outboxOf, postPayment } from "../helpers";

// The Kaspi QR poller: one payment/status call per due payment at Kaspi's interval, statuses applied
// through the guarded transition, "confirm in the Kaspi app" and loan details on the status poll,
// Kaspi's timeouts honoured, and the shopper's status poll never calling Kaspi.

type Script = { state: KaspiResult<KaspiPaymentState> };

function qrStub(script: Script) {
  let n = 0;
  const calls = { create: [] as string[], status: 0 };
  const gateway = {
    protocol: "qr",
    refundSupport: { supported: true, partial: true },
    async createPayment(input): Promise<KaspiResult<CreatedPayment>> {
      n++;
      calls.create.push(input.device ?? "none");
      const link = input.device === "mobile";
      return {
        ok: true,
        value: {
          kaspiPaymentId: `qr-${Date.now()}-${n}`,
          ...(link ? { paymentLink: "https://pay.kaspi.kz/x" } : { qr: { format: "text", value: "QRTOKEN" } }),
          expiresAt: new Date(Date.now() + 180_000),
          firstCheckAt: new Date(Date.now() + 1000),
          meta: { protocol: "qr", presentation: link ? "link" : "qr", pollIntervalMs: 1000, confirmMs: 65_000 },
        },
      };
    },
    async getPayment() {
      calls.status++;
      return script.state;
    },
    async refund() {
      return { ok: true, value: {} };
    },
  } satisfies KaspiGateway;
  return { gateway, calls };
}

const state = (
  rawStatus: string,
  status: KaspiPaymentState["status"],
  extra: Partial<KaspiPaymentState> = {},
): Script["state"] => ({
  ok: true,
  value: { kaspiPaymentId: "x", rawStatus, status, ...extra },
});

afterEach(() => setKaspiGatewayForTests(undefined));

async function started(script: Script, device: "desktop" | "mobile" = "desktop") {
  const stub = qrStub(script);
  setKaspiGatewayForTests(stub.gateway);
  const order = await createOrder();
  const answer = await postPayment(order.token, { device });
  expect(answer.status).toBe(200);
  return { order, stub };
}

const later = (ms: number) => new Date(Date.now() + ms);

describe("pollQrPayments", () => {
  // docs/kaspi.md §3: poll at StatusPollingInterval, never faster.
  it("docs/kaspi.md §3: waits for Kaspi's interval, then Wait shows 'confirm in Kaspi', Processed marks PAID once", async () => {
    const script: Script = { state: state("QrTokenCreated", "PENDING", { stage: "awaiting_scan" }) };
    const { order, stub } = await started(script);
    expect(await pollQrPayments(db(), stub.gateway, new Date())).toBe(0);
    expect(await pollQrPayments(db(), stub.gateway, later(1500))).toBe(1);

    script.state = state("Wait", "PENDING", {
      stage: "awaiting_confirmation",
      loan: { offerName: "Kaspi Red", term: 3 },
    });
    await pollQrPayments(db(), stub.gateway, later(3000));
    const polled = await getStatus(order.token);
    expect(polled.body).toMatchObject({
      status: "PENDING",
      stage: "awaiting_confirmation",
      loan: { offerName: "Kaspi Red", term: 3 },
    });
    const calls = stub.calls.status;
    await getStatus(order.token);
    expect(stub.calls.status).toBe(calls); // shopper polls cost Kaspi nothing

    script.state = state("Processed", "PAID", { amount: 12_500 });
    await pollQrPayments(db(), stub.gateway, later(4500));
    await pollQrPayments(db(), stub.gateway, later(6000));
    expect((await orderRow(order.orderId)).status).toBe("PAID");
    expect(await outboxOf(order.orderId)).toHaveLength(1);
    const types = (await eventsOf(order.orderId)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(["payment.scanned", "payment.loan", "status.changed"]));
  });

  it.each([
    { raw: "Error", status: "FAILED" as const, expected: "FAILED" },
    { raw: "Processed", status: "PAID" as const, amount: 99, expected: "PENDING" },
  ])("$raw (amount $amount) → order $expected", async ({ raw, status, amount, expected }) => {
    const script: Script = { state: state(raw, status, amount ? { amount } : {}) };
    const { order, stub } = await started(script);
    await pollQrPayments(db(), stub.gateway, later(1500));
    expect((await orderRow(order.orderId)).status).toBe(expected);
  });

  // docs/kaspi.md §4: statuses outside v3.9's Appendix 4 are not guessed at.
  it("docs/kaspi.md §4: an undocumented status is logged once and kept pending", async () => {
    const script: Script = { state: state("QrTokenDiscarded", "PENDING", { unknownStatus: true }) };
    const { order, stub } = await started(script);
    await pollQrPayments(db(), stub.gateway, later(1500));
    await pollQrPayments(db(), stub.gateway, later(3000));
    expect(stub.calls.status).toBe(2);
    expect((await orderRow(order.orderId)).status).toBe("PENDING");
    const notes = (await eventsOf(order.orderId)).filter((e) => (e.message ?? "").includes("undocumented status"));
    expect(notes).toHaveLength(1);
  });

  it("docs/kaspi.md §3: still QrTokenCreated past QrCodeScanWaitTimeout (from creation) → EXPIRED", async () => {
    const script: Script = { state: state("QrTokenCreated", "PENDING", { stage: "awaiting_scan" }) };
    const { order, stub } = await started(script);
    const p = await latestPayment(order.orderId);
    await db().payment.update({
      where: { id: p.id },
      data: {
        kaspiMeta: JSON.stringify({ protocol: "qr", presentation: "qr", pollIntervalMs: 1000, scanWaitMs: 60_000 }),
      },
    });
    await pollQrPayments(db(), stub.gateway, later(30_000));
    expect((await orderRow(order.orderId)).status).toBe("PENDING");
    await pollQrPayments(db(), stub.gateway, later(62_500));
    expect((await orderRow(order.orderId)).status).toBe("EXPIRED");
  });

  it("docs/kaspi.md §3: still Wait after PaymentConfirmationTimeout: EXPIRED, and a late Processed still becomes PAID", async () => {
    const script: Script = { state: state("Wait", "PENDING", { stage: "awaiting_confirmation" }) };
    const { order, stub } = await started(script);
    await pollQrPayments(db(), stub.gateway, later(1500));
    await pollQrPayments(db(), stub.gateway, later(1500 + 67_000));
    expect((await orderRow(order.orderId)).status).toBe("EXPIRED");
    script.state = state("Processed", "PAID", { amount: 12_500 });
    await pollQrPayments(db(), stub.gateway, later(1500 + 67_000 + 31_000));
    expect((await orderRow(order.orderId)).status).toBe("PAID");
  });

  it("a failed status call is recorded once per distinct error and retried at the interval", async () => {
    const script: Script = {
      state: {
        ok: false,
        error: { kind: "unavailable", message: "Kaspi QR service is temporarily unavailable (Kaspi -999)" },
      },
    };
    const { order, stub } = await started(script);
    await pollQrPayments(db(), stub.gateway, later(1500));
    await pollQrPayments(db(), stub.gateway, later(3000));
    const failures = (await eventsOf(order.orderId)).filter((e) => e.type === "verification.failed");
    expect(failures).toHaveLength(1);
    expect(stub.calls.status).toBe(2);
  });

  it("switching device closes the QR attempt and makes a link (one Kaspi payment per attempt)", async () => {
    const script: Script = { state: state("QrTokenCreated", "PENDING") };
    const { order, stub } = await started(script);
    const again = await postPayment(order.token, { device: "desktop" });
    expect(again.body).toMatchObject({ attempt: 1, presentation: "qr", qr: { value: "QRTOKEN" } });
    const switched = await postPayment(order.token, { device: "mobile" });
    expect(switched.body).toMatchObject({
      attempt: 2,
      presentation: "link",
      paymentLink: "https://pay.kaspi.kz/x",
      status: "PENDING",
    });
    expect(stub.calls.create).toEqual(["desktop", "mobile"]);
    const first = await db().payment.findFirstOrThrow({ where: { orderId: order.orderId, attempt: 1 } });
    expect(first.status).toBe("CANCELLED");
    expect((await latestPayment(order.orderId)).attempt).toBe(2);
    // The closed QR is still watched: paid anyway, the order is paid.
    script.state = state("Processed", "PAID", { amount: 12_500 });
    await pollQrPayments(db(), stub.gateway, later(31_000));
    expect((await orderRow(order.orderId)).status).toBe("PAID");
  });
});
