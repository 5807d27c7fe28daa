<?php
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
