<?php // Русские тексты для покупателя на странице заказа (handler.php, шаблон)
$MESS['KASPI_CHECKOUT_TITLE'] = 'Оплата через Kaspi';
$MESS['KASPI_CHECKOUT_OPEN_PAGE'] = 'Открыть страницу оплаты';
$MESS['KASPI_CHECKOUT_PAID'] = 'Оплачено. Статус заказа обновится в течение минуты.';
$MESS['KASPI_CHECKOUT_ORDER_PAGE'] = 'Перейти к заказу';
$MESS['KASPI_CHECKOUT_DESCRIPTION'] = 'Заказ №#NUMBER#';
$MESS['KASPI_CHECKOUT_UNAVAILABLE'] = 'Оплата через Kaspi временно недоступна. Обновите страницу через несколько минут или выберите другой способ оплаты.';
$MESS['KASPI_CHECKOUT_FAILED'] = 'Не удалось начать оплату через Kaspi. Выберите другой способ оплаты или свяжитесь с магазином.';
$MESS['KASPI_CHECKOUT_ALREADY_PAID'] = 'Этот заказ уже оплачен через Kaspi.';
$MESS['KASPI_CHECKOUT_NOT_CONFIGURED'] = 'Оплата через Kaspi не настроена. Пожалуйста, свяжитесь с магазином.';
$MESS['KASPI_CHECKOUT_WRONG_CURRENCY'] = 'Через Kaspi можно оплатить только заказ в тенге (KZT).';
$MESS['KASPI_CHECKOUT_WRONG_AMOUNT'] = 'Через Kaspi можно оплатить только сумму в целых тенге.';
$MESS['KASPI_CHECKOUT_REFUND_UNSUPPORTED'] = 'Этот протокол Kaspi не поддерживает возврат через API. Оформите возврат в Kaspi Pay (Kaspi Business), затем отметьте оплату как возвращённую вручную.';
$MESS['KASPI_CHECKOUT_REFUND_PENDING'] = 'Возврат отправлен в Kaspi, но Kaspi его ещё не подтвердил. Повторите возврат через несколько минут: повторный запрос не вернёт деньги дважды.';
$MESS['KASPI_CHECKOUT_REFUND_REFUSED'] = 'Kaspi отказал в возврате: #DETAIL#';
$MESS['KASPI_CHECKOUT_REFUND_FAILED'] = 'Приложение Kaspi checkout отклонило возврат: #DETAIL#';
$MESS['KASPI_CHECKOUT_REFUND_UNAVAILABLE'] = 'Приложение Kaspi checkout недоступно. Повторите возврат через несколько минут.';
$MESS['KASPI_CHECKOUT_REFUND_WRONG_AMOUNT'] = 'Через Kaspi можно вернуть только сумму в целых тенге.';
