import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { POST as refundRoute } from "@/app/api/merchant/payments/[id]/refund/route";
import { POST as returnQrRoute } from "@/app/api/merchant/payments/[id]/return-qr/route";
import { GET as returnQrStatusRoute } from "@/app/api/merchant/return-qrs/[id]/route";
import { setKaspiGatewayForTests } from "@/lib/container";
import { createFakeKaspiGateway, type FakeKaspiGateway } from "@/tests/support/fake-kaspi-gateway";
import type { KaspiReturnQrPort, RefundInput } from "@/lib/kaspi/gateway";
import type { RefundView } from "@/lib/payments/refund-use-case";
import type { ReturnQrView } from "@/lib/payments/return-qr-use-case";
import { createOrder, latestPayment, params, payOrder } from "../helpers";
import { merchantRequest, read, signedIn, type TestSession } from "./merchant-helpers";

// docs/kaspi.md §2 "r2 return" (Public QR API v3.9 §3.2–3.4): a Kaspi QR r2 refund needs the
// customer to scan a return QR first; return/status is read at most once per
// QrCodeScanEventPollingInterval; one refund per scanned QR, sent with its QrReturnId.

let fake: FakeKaspiGateway;
let admin: TestSession;
let statusCalls = 0;
let scanned = false;
const sentToKaspi: RefundInput[] = [];

beforeEach(async () => {
  statusCalls = 0;
  scanned = false;
  fake = createFakeKaspiGateway({ refundSupport: { supported: true, partial: true, flow: "return-qr" } });
  let n = 0;
  const returnQr: KaspiReturnQrPort = {
    async createReturnQr() {
      n++;
      return {
        ok: true,
        value: { qrReturnId: `${Date.now()}${n}`, qrToken: "https://kaspi.test/return", pollIntervalMs: 60_000 },
      };
    },
    async getReturnQr() {
      statusCalls++;
      return {
        ok: true,
        value: scanned
          ? { rawStatus: "CustomerIdentityObtained", ready: true, final: true }
          : { rawStatus: "QrTokenCreated", ready: false, final: false },
      };
    },
  };
  const refund = fake.refund.bind(fake);
  setKaspiGatewayForTests({
    ...fake,
    returnQr,
    refund: (input: RefundInput) => {
      sentToKaspi.push(input);
      return refund(input);
    },
  });
  admin = await signedIn("admin");
});
afterAll(() => setKaspiGatewayForTests(undefined));

const post = async <T>(route: typeof refundRoute, path: string, id: string, body: unknown = {}) =>
  read<T & { error?: { code: string } }>(await route(merchantRequest(path, { session: admin, body }), params({ id })));

async function pollReturn(id: string) {
  return read<ReturnQrView>(
    await returnQrStatusRoute(
      merchantRequest(`/api/merchant/return-qrs/${id}`, { session: admin, method: "GET" }),
      params({ id }),
    ),
  );
}

describe("Kaspi QR r2 refunds — docs/kaspi.md §2 (r2 return)", () => {
  it("refused until the customer scanned a return QR; then one refund with its QrReturnId", async () => {
    const order = await createOrder({ amount: 10_000 });
    await payOrder(fake, order);
    const payment = await latestPayment(order.orderId);
    const early = await post<RefundView>(refundRoute, `/api/merchant/payments/${payment.id}/refund`, payment.id, {
      amount: 1_000,
    });
    expect(early.status).toBe(409);
    expect(early.body.error?.code).toBe("REFUND_NOT_ALLOWED");

    const made = await post<ReturnQrView>(returnQrRoute, `/api/merchant/payments/${payment.id}/return-qr`, payment.id);
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ status: "QrTokenCreated", ready: false, qrToken: "https://kaspi.test/return" });

    // Asked once; a second look within QrCodeScanEventPollingInterval does not call Kaspi.
    expect((await pollReturn(made.body.id)).body.ready).toBe(false);
    expect((await pollReturn(made.body.id)).body.ready).toBe(false);
    expect(statusCalls).toBe(1);

    scanned = true;
    const { db } = await import("@/lib/db");
    await db().qrReturn.update({ where: { id: made.body.id }, data: { lastCheckedAt: new Date(Date.now() - 61_000) } });
    expect((await pollReturn(made.body.id)).body).toMatchObject({ ready: true, status: "CustomerIdentityObtained" });

    const done = await post<RefundView>(refundRoute, `/api/merchant/payments/${payment.id}/refund`, payment.id, {
      amount: 4_000,
    });
    expect(done.status).toBe(200);
    expect(done.body.refund.status).toBe("SUCCEEDED");
    expect(sentToKaspi.at(-1)).toMatchObject({ amount: 4_000, qrReturnId: made.body.qrReturnId });

    const again = await post<RefundView>(refundRoute, `/api/merchant/payments/${payment.id}/refund`, payment.id, {
      amount: 1_000,
    });
    expect(again.body.error?.code).toBe("REFUND_NOT_ALLOWED");
  });
});
