<?php // English captions of the payment system settings (.description.php)
$MESS['KASPI_CHECKOUT_DESC_NAME'] = 'Kaspi Pay (Kaspi checkout)';
$MESS['KASPI_CHECKOUT_DESC_APP_URL'] = 'Kaspi checkout app URL';
$MESS['KASPI_CHECKOUT_DESC_APP_URL_HINT'] = 'The app\'s public https URL (its APP_URL), e.g. https://pay.shop.kz';
$MESS['KASPI_CHECKOUT_DESC_SHARED_SECRET'] = 'Shared secret';
$MESS['KASPI_CHECKOUT_DESC_SHARED_SECRET_HINT'] = 'The same value as the app\'s BITRIX_SHARED_SECRET, or the secret npm run store:add-onpremise printed for this site (at least 16 characters)';
$MESS['KASPI_CHECKOUT_DESC_STORE_ID'] = 'Store id';
$MESS['KASPI_CHECKOUT_DESC_STORE_ID_HINT'] = 'Only when the app serves several shops: the store id npm run store:add-onpremise printed for this site (with its shared secret). Empty = the app\'s main store (BITRIX_SHARED_SECRET)';
$MESS['KASPI_CHECKOUT_DESC_PHONE_PROPERTY'] = 'Order property code of the phone';
$MESS['KASPI_CHECKOUT_DESC_PHONE_PROPERTY_HINT'] = 'E.g. PHONE; empty = the property marked as the phone';
$MESS['KASPI_CHECKOUT_DESC_RETURN_URL'] = 'Order page';
$MESS['KASPI_CHECKOUT_DESC_RETURN_URL_HINT'] = 'Where the shopper returns after paying; placeholders #ORDER_ID#, #ACCOUNT_NUMBER#, #PAYMENT_ID#';
$MESS['CONNECT_SETTINGS_KASPI_CHECKOUT'] = 'Kaspi checkout connection';
$MESS['KASPI_CHECKOUT_DESC_ACCEPT_SANDBOX'] = 'Accept sandbox payments';
$MESS['KASPI_CHECKOUT_DESC_ACCEPT_SANDBOX_HINT'] = 'Turn on for a test site only: a payment made in the Kaspi sandbox then marks the order paid. Off: such payments are refused.';
$MESS['KASPI_CHECKOUT_DESC_CHANGE_STATUS_PAY'] = 'Mark the payment paid automatically when Kaspi confirms it';
$MESS['KASPI_CHECKOUT_DESC_CHANGE_STATUS_PAY_HINT'] = 'Off: the Kaspi details are recorded on the payment and a manager marks it paid.';
$MESS['KASPI_CHECKOUT_DESC_DELIVERY_VAT'] = 'VAT rate of delivery on the receipt';
$MESS['KASPI_CHECKOUT_DESC_DELIVERY_VAT_HINT'] = 'For the fiscal receipt (when the app issues receipts): "—" no VAT, 0 % or 16 %. Products carry their rate from the catalog.';
