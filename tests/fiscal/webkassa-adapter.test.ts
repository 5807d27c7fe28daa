import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import type { ReceiptDocument } from "@/lib/fiscal/port";
import { SANDBOX_WEBKASSA } from "@/lib/fiscal/settings";
import { basisDateTime, checkRequest, createWebkassaProvider } from "@/lib/fiscal/webkassa/webkassa-provider";
import {
  addWebkassaFault,
  clearWebkassaFaults,
  type WebkassaFaultRequest,
} from "@/lib/sandbox/webkassa/webkassa-faults";
import { resetSimulatorConcurrency, simulatorConcurrency } from "@/lib/sandbox/webkassa/webkassa-simulator";
import { WebkassaServer } from "@/tests/support/webkassa-server";

// The Webkassa adapter (lib/fiscal/webkassa/) against the simulator over real HTTP: the requests
// it sends (Webkassa's collection), and each answer and fault of docs/fiscal.md §2–§7.

const server = new WebkassaServer();
const go = async () => {};
let n = 0;
const ecn = () => `test-${process.pid}-${Date.now()}-${++n}`;

beforeAll(() => server.start());
afterAll(() => server.stop());
beforeEach(async () => {
  await clearWebkassaFaults(db());
  resetSimulatorConcurrency();
});

function provider(over: Partial<Parameters<typeof createWebkassaProvider>[0]> = {}) {
  return createWebkassaProvider({
    baseUrl: server.url,
    apiKey: SANDBOX_WEBKASSA.apiKey,
    timeoutMs: 3000,
    login: SANDBOX_WEBKASSA.login,
    password: SANDBOX_WEBKASSA.password,
    cashboxId: SANDBOX_WEBKASSA.cashboxId,
    ...over,
  });
}

const sale: ReceiptDocument = {
  operation: "sale",
  lines: [
    { name: "Чай", quantity: 2, price: 2500, vatRate: 16 },
    { name: "Мёд", quantity: 0.75, price: 4000, vatRate: 0 },
    { name: "Доставка", quantity: 1, price: 4500, vatRate: null },
  ],
  total: 12_500,
  paymentType: 4,
  orderNumber: "19",
  customerEmail: "buyer@example.kz",
  customerPhone: "+77012345678",
};

const fault = (f: Partial<WebkassaFaultRequest> & Pick<WebkassaFaultRequest, "operation" | "kind">) =>
  addWebkassaFault(db(), { delayMs: 0, count: 1, ...f });

describe("the check request", () => {
  it("maps lines one to one: VAT 16 inside the price, 0 as TaxPercent 0, none as TaxType 0", () => {
    const body = checkRequest({ cashboxId: "SWK00033717", document: sale, externalCheckNumber: "abc" });
    expect(body).toMatchObject({
      CashboxUniqueNumber: "SWK00033717",
      OperationType: 2,
      Payments: [{ Sum: 12_500, PaymentType: 4 }],
      ExternalCheckNumber: "abc",
      ExternalOrderNumber: "19",
      CustomerEmail: "buyer@example.kz",
      CustomerPhone: "+77012345678",
    });
    expect(body.Positions).toEqual([
      { Count: 2, Price: 2500, TaxType: 100, TaxPercent: 16, Tax: 689.66, PositionName: "Чай", UnitCode: 796 },
      { Count: 0.75, Price: 4000, TaxType: 100, TaxPercent: 0, Tax: 0, PositionName: "Мёд", UnitCode: 796 },
      { Count: 1, Price: 4500, TaxType: 0, TaxPercent: 0, Tax: 0, PositionName: "Доставка", UnitCode: 796 },
    ]);
    expect(body).not.toHaveProperty("ReturnBasisDetails");
  });

  it("the collection's own VAT examples come out the same (500 at 12 % → 53.57)", () => {
    const body = checkRequest({
      cashboxId: "x",
      document: { ...sale, lines: [{ name: "Соль", quantity: 1, price: 500, vatRate: 12 as never }], total: 500 },
      externalCheckNumber: "e",
    });
    expect((body.Positions as { Tax: number }[])[0]?.Tax).toBe(53.57);
  });

  it("a return carries ReturnBasisDetails with the sale's time in the collection's ISO form", () => {
    expect(basisDateTime("14.09.2025 16:55:37")).toBe("2025-09-14T11:55:37.000Z");
    const body = checkRequest({
      cashboxId: "x",
      document: { ...sale, operation: "return" },
      externalCheckNumber: "r",
      basis: {
        checkNumber: "367645207",
        dateTime: "14.09.2025 16:55:37",
        registrationNumber: "032600010282",
        total: 12_500,
        offline: false,
      },
    });
    expect(body).toMatchObject({
      OperationType: 3,
      ReturnBasisDetails: {
        CheckNumber: "367645207",
        DateTime: "2025-09-14T11:55:37.000Z",
        RegistrationNumber: "032600010282",
        Total: 12_500,
        IsOffline: false,
      },
    });
  });
});

describe("Webkassa adapter ↔ simulator", () => {
  it("issues a sale receipt, then a return with the sale as its basis", async () => {
    const p = provider();
    const sold = await p.register({ document: sale, externalCheckNumber: ecn() }, go);
    expect(sold.kind).toBe("issued");
    if (sold.kind !== "issued") return;
    expect(sold.receipt).toMatchObject({
      checkNumber: expect.stringMatching(/^\d{12}$/),
      dateTime: expect.stringMatching(/^\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d$/),
      registrationNumber: "000000000001",
      offline: false,
      ticketUrl: expect.stringContaining("/sandbox/webkassa/ticket/"),
    });
    const r = sold.receipt;
    const basis = {
      checkNumber: r.checkNumber,
      dateTime: r.dateTime,
      registrationNumber: r.registrationNumber ?? "",
      total: 12_500,
      offline: r.offline,
    };
    const back = await p.register(
      { document: { ...sale, operation: "return" }, externalCheckNumber: ecn(), basis },
      go,
    );
    expect(back.kind).toBe("issued");
  });

  it("a return without its basis is refused (255), one with a wrong basis too", async () => {
    const p = provider();
    const none = await p.register({ document: { ...sale, operation: "return" }, externalCheckNumber: ecn() }, go);
    expect(none).toMatchObject({ kind: "refused", error: { code: 255 } });
    const wrong = await p.register(
      {
        document: { ...sale, operation: "return" },
        externalCheckNumber: ecn(),
        basis: {
          checkNumber: "999999999999",
          dateTime: "01.01.2026 10:00:00",
          registrationNumber: "000000000001",
          total: 12_500,
          offline: false,
        },
      },
      go,
    );
    expect(wrong).toMatchObject({ kind: "refused", error: { code: 255 } });
  });

  it("the same external number again is a duplicate (14): without Data by default, with it on request", async () => {
    const p = provider();
    const number = ecn();
    const first = await p.register({ document: sale, externalCheckNumber: number }, go);
    expect(first.kind).toBe("issued");
    expect(await p.register({ document: sale, externalCheckNumber: number }, go)).toEqual({ kind: "duplicate" });
    await fault({ operation: "check", kind: "duplicate_data" });
    const withData = await p.register({ document: sale, externalCheckNumber: number }, go);
    expect(withData).toMatchObject({
      kind: "duplicate",
      receipt: { checkNumber: first.kind === "issued" ? first.receipt.checkNumber : "" },
    });
  });

  it("a lost answer (dropped after the receipt was made) is unavailable, and the lookup finds the receipt", async () => {
    const p = provider();
    const number = ecn();
    await fault({ operation: "check", kind: "drop" });
    const lost = await p.register({ document: sale, externalCheckNumber: number }, go);
    expect(lost).toMatchObject({ kind: "unavailable", maybeSent: true });
    const found = await p.find({ externalCheckNumber: number, since: new Date(Date.now() - 60_000) }, go);
    expect(found).toMatchObject({ kind: "found", receipt: { checkNumber: expect.stringMatching(/^\d{12}$/) } });
    expect(await p.find({ externalCheckNumber: ecn(), since: new Date() }, go)).toEqual({ kind: "absent" });
  });

  it("a shift over 24 h (11) asks for a Z report; after it the receipt goes through in a new shift", async () => {
    const p = provider();
    expect((await p.register({ document: sale, externalCheckNumber: ecn() }, go)).kind).toBe("issued");
    await fault({ operation: "check", kind: "shift_24h" });
    const expired = await p.register({ document: sale, externalCheckNumber: ecn() }, go);
    expect(expired).toMatchObject({ kind: "shift-expired", error: { code: 11 } });
    const closed = await p.closeShift(go);
    expect(closed.kind).toBe("closed");
    expect(await p.closeShift(go)).toEqual({ kind: "nothing-open" }); // 12: already closed
    const again = await p.register({ document: sale, externalCheckNumber: ecn() }, go);
    expect(again.kind).toBe("issued");
    if (again.kind === "issued" && closed.kind === "closed")
      expect(again.receipt.shiftNumber).toBe((closed.shiftNumber ?? 0) + 1);
  });

  it("an expired token (2) is renewed once and the request repeated; a second expiry right after gives up", async () => {
    const p = provider();
    expect((await p.register({ document: sale, externalCheckNumber: ecn() }, go)).kind).toBe("issued");
    await fault({ operation: "check", kind: "expire_token" });
    expect((await p.register({ document: sale, externalCheckNumber: ecn() }, go)).kind).toBe("issued");
    await fault({ operation: "check", kind: "expire_token", count: 2 });
    expect(await p.register({ document: sale, externalCheckNumber: ecn() }, go)).toMatchObject({
      kind: "unavailable",
      maybeSent: false,
    });
  });

  it.each([
    [7, "halt"],
    [18, "halt"],
    [10, "halt"],
    [9, "refused"],
    [17, "refused"],
    [-1, "refused"],
    [505, "unavailable"],
    [13, "unavailable"],
  ])("error %i on a receipt → %s", async (code, kind) => {
    await fault({ operation: "check", kind: "error", code });
    expect((await provider().register({ document: sale, externalCheckNumber: ecn() }, go)).kind).toBe(kind);
  });

  it("a wrong password stops everything (halt, code 1); a missing API key is refused", async () => {
    expect(
      await provider({ password: "wrong" }).register({ document: sale, externalCheckNumber: ecn() }, go),
    ).toMatchObject({
      kind: "halt",
      error: { code: 1 },
    });
    expect(
      (await provider({ apiKey: "other" }).register({ document: sale, externalCheckNumber: ecn() }, go)).kind,
    ).toBe("unavailable");
  });

  it("amounts that do not add up, or a wrong VAT amount, are a validation refusal (9)", async () => {
    const p = provider();
    const bad = await p.register({ document: { ...sale, total: 12_000 }, externalCheckNumber: ecn() }, go);
    expect(bad).toMatchObject({ kind: "refused", error: { code: 9 } });
  });

  it("Z report on a register that never had a shift: 13, nothing to close", async () => {
    await db().sandboxWebkassaShift.deleteMany({});
    await db().sandboxWebkassaCheck.deleteMany({});
    expect(await provider().closeShift(go)).toEqual({ kind: "nothing-open" });
  });

  it("a dead service (connection refused) is unavailable and nothing was sent", async () => {
    const dead = provider({ baseUrl: "http://127.0.0.1:9" });
    expect(await dead.register({ document: sale, externalCheckNumber: ecn() }, go)).toMatchObject({
      kind: "unavailable",
      maybeSent: false,
    });
  });

  it("two requests to one register at once: the simulator answers the second with 9 (sequence)", async () => {
    await fault({ operation: "check", kind: "hold", delayMs: 400 });
    const p1 = provider();
    const p2 = provider();
    const [a, b] = await Promise.all([
      p1.register({ document: sale, externalCheckNumber: ecn() }, go),
      new Promise((r) => setTimeout(r, 100)).then(() =>
        p2.register({ document: sale, externalCheckNumber: ecn() }, go),
      ),
    ]);
    expect(a.kind).toBe("issued");
    expect(b).toMatchObject({ kind: "refused", error: { code: 9 } });
    expect(simulatorConcurrency().maxInFlight).toBe(2);
  });
});
