<?php
$MESS['KASPI_CHECKOUT_DESC_NAME'] = 'Kaspi Pay (Kaspi checkout)';
$MESS['KASPI_CHECKOUT_DESC_APP_URL'] = 'Kaspi checkout app URL';
$MESS['KASPI_CHECKOUT_DESC_APP_URL_HINT'] = 'The app\'s public https URL (its APP_URL), e.g. https://pay.shop.kz';
$MESS['KASPI_CHECKOUT_DESC_SHARED_SECRET'] = 'Shared secret';
$MESS['KASPI_CHECKOUT_DESC_SHARED_SECRET_HINT'] = 'The same value as the app\'s BITRIX_SHARED_SECRET (at least 16 characters)';
$MESS['KASPI_CHECKOUT_DESC_PHONE_PROPERTY'] = 'Order property code of the phone';
$MESS['KASPI_CHECKOUT_DESC_PHONE_PROPERTY_HINT'] = 'E.g. PHONE; empty = the property marked as the phone';
$MESS['KASPI_CHECKOUT_DESC_RETURN_URL'] = 'Order page';
$MESS['KASPI_CHECKOUT_DESC_RETURN_URL_HINT'] = 'Where the shopper returns after paying; placeholders #ORDER_ID#, #ACCOUNT_NUMBER#, #PAYMENT_ID#';
