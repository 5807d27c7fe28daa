import type { KaspiErrorKind } from "./gateway";

// Kaspi QR StatusCode → what it means, in the merchant's languages. Codes come from Kaspi's QR
// documentation as quoted by public integrations (the documentation itself is not public).
// -999 is the only "try again later"; every other non-zero code is Kaspi saying no.

export type QrErrorText = { kind: KaspiErrorKind; en: string; ru: string };

export const QR_ERRORS: Readonly<Record<number, QrErrorText>> = {
  [-10000]: { kind: "rejected", en: "no client certificate was presented", ru: "Отсутствует сертификат клиента" },
  [-1501]: {
    kind: "rejected",
    en: "device not found: register it again",
    ru: "Устройство с заданным идентификатором не найдено",
  },
  [-1502]: {
    kind: "rejected",
    en: "device is disabled or deleted",
    ru: "Устройство не активно (отключено или удалено)",
  },
  [-1503]: {
    kind: "rejected",
    en: "device is already added to another trade point",
    ru: "Устройство уже добавлено в другую торговую точку",
  },
  [-1601]: { kind: "rejected", en: "purchase not found", ru: "Покупка не найдена" },
  [-14000002]: {
    kind: "rejected",
    en: "no trade points: create one in Kaspi Business",
    ru: "Отсутствуют торговые точки, создайте торговую точку в приложении",
  },
  [-99000001]: {
    kind: "rejected",
    en: "purchase with this id not found",
    ru: "Покупка с заданным идентификатором не найдена",
  },
  [-99000002]: { kind: "rejected", en: "trade point not found", ru: "Торговая точка не найдена" },
  [-99000003]: {
    kind: "rejected",
    en: "the purchase's trade point does not match this device",
    ru: "Торговая точка покупки не соответствует текущему устройству",
  },
  [-99000005]: {
    kind: "rejected",
    en: "refund larger than the purchase",
    ru: "Сумма возврата не может превышать сумму покупки",
  },
  [-99000006]: { kind: "rejected", en: "refund failed: try again", ru: "Ошибка возврата, попробуйте ещё раз" },
  [-99000011]: {
    kind: "rejected",
    en: "the purchase cannot be refunded in its current status",
    ru: "Невозможно вернуть покупку (несоответствующий статус покупки)",
  },
  [-99000020]: {
    kind: "rejected",
    en: "partial refund is not possible for this purchase",
    ru: "Частичный возврат невозможен",
  },
  [990000018]: { kind: "rejected", en: "trade point is disabled", ru: "Торговая точка отключена" },
  [990000026]: {
    kind: "rejected",
    en: "trade point does not accept QR payments",
    ru: "Торговая точка не принимает оплату с QR",
  },
  [990000028]: { kind: "rejected", en: "wrong amount", ru: "Указана неверная сумма операции" },
  [990000033]: { kind: "rejected", en: "no payment methods available", ru: "Нет доступных методов оплаты" },
  [-999]: { kind: "unavailable", en: "Kaspi QR service is temporarily unavailable", ru: "Сервис временно недоступен" },
};

/** The error for a non-zero StatusCode; unknown codes keep Kaspi's own Message (never secrets). */
export function qrError(
  statusCode: number,
  kaspiMessage?: string | null,
): { kind: KaspiErrorKind; message: string; code: string } {
  const known = QR_ERRORS[statusCode];
  const message = known
    ? `${known.en} (Kaspi ${statusCode})`
    : `Kaspi QR error ${statusCode}${kaspiMessage ? `: ${kaspiMessage.slice(0, 200)}` : ""}`;
  return { kind: known?.kind ?? "rejected", message, code: String(statusCode) };
}

/** The merchant-facing text of a code in their language (the merchant area and the set-up script). */
export function qrErrorText(statusCode: number, lang: "en" | "ru"): string | undefined {
  return QR_ERRORS[statusCode]?.[lang];
}
