<?php
$MESS['KASPI_CHECKOUT_TITLE'] = 'Pay with Kaspi';
$MESS['KASPI_CHECKOUT_OPEN_PAGE'] = 'Open payment page';
$MESS['KASPI_CHECKOUT_PAID'] = 'Paid. The order status will update within a minute.';
$MESS['KASPI_CHECKOUT_ORDER_PAGE'] = 'Go to the order';
$MESS['KASPI_CHECKOUT_DESCRIPTION'] = 'Order No. #NUMBER#';
$MESS['KASPI_CHECKOUT_UNAVAILABLE'] = 'Kaspi payment is temporarily unavailable. Reload the page in a few minutes or choose another payment method.';
$MESS['KASPI_CHECKOUT_FAILED'] = 'Kaspi payment could not be started. Choose another payment method or contact the store.';
$MESS['KASPI_CHECKOUT_ALREADY_PAID'] = 'This order has already been paid with Kaspi.';
$MESS['KASPI_CHECKOUT_NOT_CONFIGURED'] = 'Kaspi payment is not set up. Please contact the store.';
$MESS['KASPI_CHECKOUT_WRONG_CURRENCY'] = 'Only orders in tenge (KZT) can be paid with Kaspi.';
$MESS['KASPI_CHECKOUT_WRONG_AMOUNT'] = 'Only amounts in whole tenge can be paid with Kaspi.';
