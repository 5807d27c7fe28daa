<?php
// Kaspi Pay checkout: what the sale module shows the admin for this handler (Shop → Settings →
// Payment systems). The values are filled per pay system on its "Handler settings" tab.
use Bitrix\Main\Localization\Loc;

if (!defined('B_PROLOG_INCLUDED') && !defined('KASPI_CHECKOUT_STAND_IN')) {
    die();
}

Loc::loadMessages(__FILE__);

$data = [
    'NAME' => Loc::getMessage('KASPI_CHECKOUT_DESC_NAME'),
    'SORT' => 500,
    'IS_AVAILABLE' => true,
    'CODES' => [
        'KASPI_CHECKOUT_APP_URL' => [
            'NAME' => Loc::getMessage('KASPI_CHECKOUT_DESC_APP_URL'),
            'DESCRIPTION' => Loc::getMessage('KASPI_CHECKOUT_DESC_APP_URL_HINT'),
            'SORT' => 100,
            'GROUP' => 'CONNECT_SETTINGS_KASPI_CHECKOUT',
        ],
        'KASPI_CHECKOUT_SHARED_SECRET' => [
            'NAME' => Loc::getMessage('KASPI_CHECKOUT_DESC_SHARED_SECRET'),
            'DESCRIPTION' => Loc::getMessage('KASPI_CHECKOUT_DESC_SHARED_SECRET_HINT'),
            'SORT' => 200,
            'GROUP' => 'CONNECT_SETTINGS_KASPI_CHECKOUT',
        ],
        // Empty: the app's default store (its BITRIX_SHARED_SECRET). Set: the store the app's
        // `npm run store:add-onpremise` made for this site, sent as X-Kaspi-Store on every signed request.
        'KASPI_CHECKOUT_STORE_ID' => [
            'NAME' => Loc::getMessage('KASPI_CHECKOUT_DESC_STORE_ID'),
            'DESCRIPTION' => Loc::getMessage('KASPI_CHECKOUT_DESC_STORE_ID_HINT'),
            'SORT' => 250,
            'GROUP' => 'CONNECT_SETTINGS_KASPI_CHECKOUT',
        ],
        'KASPI_CHECKOUT_PHONE_PROPERTY' => [
            'NAME' => Loc::getMessage('KASPI_CHECKOUT_DESC_PHONE_PROPERTY'),
            'DESCRIPTION' => Loc::getMessage('KASPI_CHECKOUT_DESC_PHONE_PROPERTY_HINT'),
            'SORT' => 300,
            'GROUP' => 'CONNECT_SETTINGS_KASPI_CHECKOUT',
            'DEFAULT' => ['PROVIDER_KEY' => 'VALUE', 'PROVIDER_VALUE' => 'PHONE'],
        ],
        'KASPI_CHECKOUT_RETURN_URL' => [
            'NAME' => Loc::getMessage('KASPI_CHECKOUT_DESC_RETURN_URL'),
            'DESCRIPTION' => Loc::getMessage('KASPI_CHECKOUT_DESC_RETURN_URL_HINT'),
            'SORT' => 400,
            'GROUP' => 'CONNECT_SETTINGS_KASPI_CHECKOUT',
            'DEFAULT' => ['PROVIDER_KEY' => 'VALUE', 'PROVIDER_VALUE' => '/personal/order/detail/#ACCOUNT_NUMBER#/'],
        ],
        // The fiscal receipt's delivery line: '' no VAT, 0 or 16 (percent). The basket lines carry
        // their own rate from the catalog (BasketItem::getVatRate).
        'KASPI_CHECKOUT_DELIVERY_VAT' => [
            'NAME' => Loc::getMessage('KASPI_CHECKOUT_DESC_DELIVERY_VAT'),
            'DESCRIPTION' => Loc::getMessage('KASPI_CHECKOUT_DESC_DELIVERY_VAT_HINT'),
            'SORT' => 450,
            'GROUP' => 'CONNECT_SETTINGS_KASPI_CHECKOUT',
            'INPUT' => ['TYPE' => 'ENUM', 'OPTIONS' => ['' => '—', '0' => '0 %', '16' => '16 %']],
            'DEFAULT' => ['PROVIDER_KEY' => 'INPUT', 'PROVIDER_VALUE' => ''],
        ],
        // Off by default: a payment the app made in its Kaspi sandbox is refused (422 SANDBOX_REFUSED).
        'KASPI_CHECKOUT_ACCEPT_SANDBOX' => [
            'NAME' => Loc::getMessage('KASPI_CHECKOUT_DESC_ACCEPT_SANDBOX'),
            'DESCRIPTION' => Loc::getMessage('KASPI_CHECKOUT_DESC_ACCEPT_SANDBOX_HINT'),
            'SORT' => 500,
            'GROUP' => 'CONNECT_SETTINGS_KASPI_CHECKOUT',
            'INPUT' => ['TYPE' => 'Y/N'],
            'DEFAULT' => ['PROVIDER_KEY' => 'INPUT', 'PROVIDER_VALUE' => 'N'],
        ],
        // The standard setting of Bitrix's own handlers (handlers/paysystem/*), in their group.
        'PS_CHANGE_STATUS_PAY' => [
            'NAME' => Loc::getMessage('KASPI_CHECKOUT_DESC_CHANGE_STATUS_PAY'),
            'DESCRIPTION' => Loc::getMessage('KASPI_CHECKOUT_DESC_CHANGE_STATUS_PAY_HINT'),
            'SORT' => 600,
            'GROUP' => 'GENERAL_SETTINGS',
            'INPUT' => ['TYPE' => 'Y/N'],
            'DEFAULT' => ['PROVIDER_KEY' => 'INPUT', 'PROVIDER_VALUE' => 'Y'],
        ],
    ],
];
