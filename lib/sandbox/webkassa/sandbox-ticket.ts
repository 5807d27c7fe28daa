import type { Db } from "../../db";
import { SANDBOX_WEBKASSA } from "../../fiscal/settings";
import { SIMULATED_REGISTRATION_NUMBER, printedTime } from "./webkassa-simulator";

// The simulator's receipt as its consumer page shows it (what PM lists a receipt must show: seller,
// register numbers, fiscal sign, shift, lines with VAT, total, the payment).

type Position = {
  count: number;
  price: number;
  positionname: string;
  taxtype: number;
  taxpercent: number;
  tax: number;
};

export async function sandboxTicket(db: Db, id: string) {
  const check = await db.sandboxWebkassaCheck.findUnique({ where: { id } });
  if (!check) return null;
  const request = JSON.parse(check.request) as {
    positions?: Position[];
    payments?: { sum: number; paymenttype: number }[];
  };
  const payment = request.payments?.[0];
  return {
    operation: check.operationType === 3 ? "ВОЗВРАТ ПРОДАЖИ / SALE RETURN" : "ПРОДАЖА / SALE",
    facts: [
      ["ЗНК", SANDBOX_WEBKASSA.cashboxId],
      ["РНМ", SIMULATED_REGISTRATION_NUMBER],
      ["ФП", check.id],
      ["Смена", String(check.shiftNumber)],
      ["Чек №", String(check.orderNumber)],
      ["Время", `${printedTime(check.registeredAt)} +05:00`],
      [
        "Оплата",
        payment?.paymenttype === 4 ? "мобильный платёж" : payment?.paymenttype === 1 ? "банковская карта" : "—",
      ],
    ] as [string, string][],
    lines: (request.positions ?? []).map((p) => ({
      name: p.positionname,
      count: p.count,
      price: p.price,
      sum: Math.round(p.count * p.price * 100) / 100,
      vat: p.taxtype === 100 ? `НДС ${p.taxpercent}%: ${p.tax}` : "без НДС",
    })),
    total: check.total,
  };
}
