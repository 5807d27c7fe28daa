import { beforeAll, describe, expect, it } from "vitest";
import { GET as exportRoute } from "@/app/api/merchant/payments/export/route";
import { GET as listRoute } from "@/app/api/merchant/payments/route";
import { db } from "@/lib/db";
import { DEFAULT_STORE_ID } from "@/lib/stores/store-id";
import { almatyDayStart } from "@/lib/merchant/almaty-time";
import { merchantOverview } from "@/lib/merchant/overview";
import { merchantRequest, read, signedIn, type TestSession } from "./merchant-helpers";

// The list: newest first, keyset pages, filters and search in the URL, totals over the filtered
// set, dates in Asia/Almaty; and the CSV export of the same view.

type ListBody = {
  payments: { id: string; status: string; amount: number; order: { externalId: string } }[];
  nextCursor: string | null;
  totals: { count: number; paidCount: number; paidSum: number; refundedSum: number };
};

let viewer: TestSession;
const statuses = ["PAID", "PENDING", "FAILED", "PARTIALLY_REFUNDED", "REFUNDED"] as const;

// 120 payments, one per hour going back from 2026-11-20 12:00 Almaty (07:00 UTC).
beforeAll(async () => {
  viewer = await signedIn("viewer");
  const start = Date.UTC(2026, 10, 20, 7, 0, 0);
  const orders = [];
  const payments = [];
  for (let i = 0; i < 120; i++) {
    const status = statuses[i % statuses.length] ?? "PAID";
    const createdAt = new Date(start - i * 3_600_000);
    const orderId = `ord_l${i}`;
    orders.push({
      id: orderId,
      externalId: `BX-${1000 + i}`,
      accountNumber: `ACC${500 + i}`,
      amount: 1_000 + i,
      currency: "KZT",
      phone: `+7701555${String(i).padStart(4, "0")}`,
      checkoutToken: `tok_l${i}`,
      status,
      createdAt,
    });
    payments.push({
      id: `pay_l${String(i).padStart(3, "0")}`,
      orderId,
      attempt: 1,
      protocol: "ecom",
      kaspiExternalId: `kx-l${i}`,
      kaspiPaymentId: `KP-${90000 + i}`,
      amount: 1_000 + i,
      refundedAmount: status === "REFUNDED" ? 1_000 + i : status === "PARTIALLY_REFUNDED" ? 100 : 0,
      status,
      createdAt,
      paidAt: status === "PENDING" || status === "FAILED" ? null : createdAt,
    });
  }
  await db().order.createMany({ data: orders });
  await db().payment.createMany({ data: payments });
}, 60_000);

async function list(query = ""): Promise<ListBody> {
  const answer = await read<ListBody>(
    await listRoute(merchantRequest(`/api/merchant/payments${query}`, { session: viewer })),
  );
  expect(answer.status).toBe(200);
  return answer.body;
}

describe("GET /api/merchant/payments", () => {
  it("newest first, 50 per page, cursor pages cover every row exactly once", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: ListBody = await list(cursor ? `?cursor=${cursor}` : "");
      seen.push(...page.payments.map((p) => p.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(120);
    expect(new Set(seen).size).toBe(120);
    expect(seen[0]).toBe("pay_l000");
    expect(seen[119]).toBe("pay_l119");
  });

  it("filters by status, with totals of the whole filtered set", async () => {
    const body = await list("?status=PARTIALLY_REFUNDED");
    expect(body.payments.every((p) => p.status === "PARTIALLY_REFUNDED")).toBe(true);
    expect(body.totals.count).toBe(24);
    expect(body.totals.paidCount).toBe(24);
    expect(body.totals.refundedSum).toBe(24 * 100);
  });

  it("totals: count of all, sums of paid-like amounts and of refunds", async () => {
    const { totals } = await list();
    const paidLike = Array.from({ length: 120 }, (_, i) => i).filter((i) => ![1, 2].includes(i % 5));
    expect(totals.count).toBe(120);
    expect(totals.paidCount).toBe(paidLike.length);
    expect(totals.paidSum).toBe(paidLike.reduce((s, i) => s + 1_000 + i, 0));
    const refunded =
      paidLike.filter((i) => i % 5 === 3).length * 100 +
      paidLike.filter((i) => i % 5 === 4).reduce((s, i) => s + 1_000 + i, 0);
    expect(totals.refundedSum).toBe(refunded);
  });

  it("date range is whole Almaty days: from 2026-11-20 is from 00:00 +05:00", async () => {
    expect(almatyDayStart("2026-11-20").toISOString()).toBe("2026-11-19T19:00:00.000Z");
    // 12:00 back to 00:00 Almaty on the 20th = 13 payments (12:00, 11:00 … 00:00).
    expect((await list("?from=2026-11-20&to=2026-11-20")).totals.count).toBe(13);
    expect((await list("?from=2026-11-19&to=2026-11-19")).totals.count).toBe(24);
    expect((await list("?to=2026-11-18")).payments[0]?.id).toBe("pay_l037");
  });

  it.each([
    ["Bitrix order id, partial", "BX-101", 10],
    // Letter case is ignored on both databases (PostgreSQL needs ILIKE for it).
    ["Bitrix order id, partial, other case", "bx-101", 10],
    ["account number, partial, other case", "acc61", 10],
    ["account number", "ACC617", 1],
    ["Kaspi payment id", "KP-90007", 1],
    ["phone typed with 8 and spaces", "8 701 555 0042", 1],
    ["phone, partial", "5550042", 1],
    ["nothing", "zzz-none", 0],
  ])("search by %s", async (_n, q, expected) => {
    const body = await list(`?q=${encodeURIComponent(q)}`);
    expect(body.totals.count).toBe(expected);
  });

  it("bad filter values are ignored, not fatal", async () => {
    const body = await list("?status=NOPE&from=yesterday&cursor=%%%");
    expect(body.totals.count).toBe(120);
  });
});

describe("GET /api/merchant/payments/export", () => {
  async function exportCsv(query: string) {
    const res = await exportRoute(merchantRequest(`/api/merchant/payments/export${query}`, { session: viewer }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(
      /attachment; filename="kaspi-payments-\d{4}-\d{2}-\d{2}\.csv"/,
    );
    return new Uint8Array(await res.arrayBuffer());
  }

  it("UTF-8 with BOM, header and one row per filtered payment, ; when asked", async () => {
    const bytes = await exportCsv("?status=REFUNDED&delimiter=semicolon");
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = new TextDecoder().decode(bytes.slice(3)).trim().split("\r\n");
    expect(lines[0]).toBe(
      "created_at_almaty;payment_id;order_external_id;account_number;attempt;kaspi_payment_id;phone;amount_kzt;refunded_kzt;status;paid_at_almaty;receipt_fiscal_sign;receipt_url;kaspi_txn_date",
    );
    expect(lines).toHaveLength(25);
    expect(lines[1]).toMatch(
      /^20\.11\.2026, 08:00:00;pay_l004;BX-1004;ACC504;1;KP-90004;\+77015550004;1004;1004;REFUNDED;/,
    );
  });

  it("exports every row past the first page with , by default", async () => {
    const text = new TextDecoder().decode((await exportCsv("")).slice(3));
    expect(text.trim().split("\r\n")).toHaveLength(121);
    expect(text.split("\r\n")[0]).toContain("created_at_almaty,payment_id");
  });

  it("neutralises formula-looking cells", async () => {
    await db().order.update({ where: { id: "ord_l0" }, data: { externalId: '=HYPERLINK("x")' } });
    const text = new TextDecoder().decode((await exportCsv("?q=HYPERLINK")).slice(3));
    expect(text).toContain(`"'=HYPERLINK(""x"")"`);
    await db().order.update({ where: { id: "ord_l0" }, data: { externalId: "BX-1000" } });
  });
});

describe("overview", () => {
  it("paid amount per Almaty day for 30 days and conversion of orders", async () => {
    const overview = await merchantOverview(db(), DEFAULT_STORE_ID, new Date("2026-11-20T10:00:00Z"));
    expect(overview.days).toHaveLength(30);
    expect(overview.days[29]?.day).toBe("2026-11-20");
    const today = overview.days[29];
    // 00:00..12:00 on the 20th: i = 0..12, paid-like unless i % 5 in {1, 2}.
    const paid = Array.from({ length: 13 }, (_, i) => i).filter((i) => ![1, 2].includes(i % 5));
    expect(today?.paidSum).toBe(paid.reduce((s, i) => s + 1_000 + i, 0));
    expect(overview.ordersCreated).toBe(120);
    expect(overview.conversion).toBeCloseTo(72 / 120);
  });
});
