<?php // English texts the shopper sees on the order page (handler.php, template)
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
$MESS['KASPI_CHECKOUT_REFUND_UNSUPPORTED'] = 'This Kaspi protocol cannot refund through the API. Refund in Kaspi Pay (Kaspi Business), then mark the payment as returned by hand.';
$MESS['KASPI_CHECKOUT_REFUND_PENDING'] = 'The refund was sent to Kaspi, but Kaspi has not confirmed it yet. Return the payment again in a few minutes: a repeat never refunds twice.';
$MESS['KASPI_CHECKOUT_REFUND_REFUSED'] = 'Kaspi refused the refund: #DETAIL#';
$MESS['KASPI_CHECKOUT_REFUND_FAILED'] = 'The Kaspi checkout app refused the refund: #DETAIL#';
$MESS['KASPI_CHECKOUT_REFUND_UNAVAILABLE'] = 'The Kaspi checkout app cannot be reached. Return the payment again in a few minutes.';
$MESS['KASPI_CHECKOUT_REFUND_WRONG_AMOUNT'] = 'Only amounts in whole tenge can be refunded through Kaspi.';
