import type { AppError } from "../errors";

// Bitrix24 shows PAYMENT_ERRORS to the shopper as they are (RestHandler::initiateCheckoutPay adds
// each as an error of the pay step), so they are written for a shopper, in Russian, the language
// of the stores this app serves; the English message stays in `error` for logs and support.
const TEXT: Partial<Record<AppError["code"], string>> = {
  VALIDATION_FAILED: "Через Kaspi можно оплатить только заказ в тенге (KZT).",
  INVALID_AMOUNT: "Через Kaspi можно оплатить только сумму в целых тенге в допустимых пределах.",
  ORDER_ALREADY_PAID: "Этот заказ уже оплачен через Kaspi.",
  BITRIX24_UNAVAILABLE: "Оплата через Kaspi временно недоступна. Попробуйте ещё раз через несколько минут.",
  PAYMENT_NOT_CONFIRMED: "Не удалось подтвердить платёж в магазине. Обновите страницу или свяжитесь с магазином.",
};
const FALLBACK = "Не удалось начать оплату через Kaspi. Выберите другой способ оплаты или свяжитесь с магазином.";

export function shopperMessage(error: AppError): string {
  return TEXT[error.code] ?? FALLBACK;
}
