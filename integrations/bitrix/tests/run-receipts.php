<?php
// Fiscal receipts (the app's issue 19): the handler sends the basket and the delivery as the
// order's lines, read the way Bitrix's own cash register code reads them
// (sale/lib/cashbox/check.php), and keeps the receipt's link on the payment. Included by run.php.

use Bitrix\Main\HttpRequest;
use Bitrix\Main\Web\HttpClient;
use Bitrix\Sale\Order;
use Bitrix\Sale\Payment;

/** A payment of an order with these basket lines and delivery shipments (stand-in fields). */
function basketPayment(array $basket, array $shipments = [], $sum = 12500.0, array $properties = ['PHONE' => '8 701 234 56 78'])
{
    $order = new Order(['ID' => 19, 'ACCOUNT_NUMBER' => '19', 'CURRENCY' => 'KZT', 'LID' => 's1'], $properties, $basket, $shipments);
    return new Payment(['ID' => 25, 'ACCOUNT_NUMBER' => '19/1', 'SUM' => $sum, 'CURRENCY' => 'KZT', 'PAY_SYSTEM_ID' => 7], $order);
}

/** initiatePay against an app that accepts; returns the decoded bodies it was sent. */
function sentOrders(Payment $payment, $service = null, callable $answer = null)
{
    $bodies = [];
    HttpClient::$transport = function ($method, $url, $headers, $body) use (&$bodies, $answer) {
        $bodies[] = json_decode($body, true);
        return $answer ? $answer(count($bodies)) : [201, json_encode(['orderId' => 'ord_19', 'checkoutUrl' => 'https://pay.example.kz/pay/t19'])];
    };
    initiate($service ?: service(), $payment);
    return $bodies;
}

const TEA = ['NAME' => 'Чай зелёный', 'QUANTITY' => 2, 'PRICE' => 2500, 'VAT_RATE' => 0.16];
const HONEY = ['NAME' => 'Мёд', 'QUANTITY' => 0.75, 'PRICE' => 4000, 'VAT_RATE' => 0.0];

test('receipts: the basket and the delivery go to the app as items, with the buyer\'s e-mail', function () {
    $payment = basketPayment([TEA, HONEY], [['PRICE_DELIVERY' => 4500]], 12500.0, ['PHONE' => '8 701 234 56 78', 'EMAIL' => 'buyer@example.kz']);
    $sent = sentOrders($payment, service(['KASPI_CHECKOUT_DELIVERY_VAT' => '16']));
    same(1, count($sent), 'one request');
    same([
        ['name' => 'Чай зелёный', 'quantity' => 2, 'price' => 2500, 'vatRate' => 16],
        ['name' => 'Мёд', 'quantity' => 0.75, 'price' => 4000, 'vatRate' => 0],
        ['name' => 'Доставка', 'quantity' => 1, 'price' => 4500, 'vatRate' => 16],
    ], $sent[0]['items'], 'items');
    same(['email' => 'buyer@example.kz'], $sent[0]['customer'], 'customer');
});

test('receipts: "no VAT" (null) lines and the delivery VAT setting left empty send vatRate null', function () {
    $payment = basketPayment([['VAT_RATE' => null] + TEA, ['VAT_RATE' => null, 'PRICE' => 3000, 'QUANTITY' => 1] + HONEY], [['PRICE_DELIVERY' => 4500]]);
    $sent = sentOrders($payment);
    same([null, null, null], array_column($sent[0]['items'], 'vatRate'), 'rates');
});

test('receipts: put-aside and unavailable lines, free delivery and the system shipment are left out', function () {
    $payment = basketPayment(
        [TEA, ['DELAY' => 'Y'] + HONEY, ['CAN_BUY' => 'N'] + HONEY, ['NAME' => 'Кофе', 'QUANTITY' => 1, 'PRICE' => 7500, 'VAT_RATE' => 0.16]],
        [['PRICE_DELIVERY' => 0]]
    );
    $sent = sentOrders($payment);
    same(['Чай зелёный', 'Кофе'], array_column($sent[0]['items'], 'name'), 'names');
});

test('receipts: a catalog price without VAT is sent with it (getPriceWithVat)', function () {
    $payment = basketPayment([['PRICE' => 10775.86, 'VAT_INCLUDED' => 'N', 'QUANTITY' => 1, 'NAME' => 'Стул', 'VAT_RATE' => 0.16]]);
    $sent = sentOrders($payment);
    same(12500, $sent[0]['items'][0]['price'], 'price with VAT');
});

test('receipts: no items when they cannot make this payment\'s receipt (the app makes one line)', function () {
    $cases = [
        'part of the order' => basketPayment([TEA, HONEY], [['PRICE_DELIVERY' => 4500]], 6000.0),
        'a price with tiyn' => basketPayment([['PRICE' => 2499.5, 'QUANTITY' => 5] + TEA]),
        'the old 12 % rate' => basketPayment([['VAT_RATE' => 0.12, 'QUANTITY' => 5] + TEA]),
        'an empty basket' => basketPayment([]),
    ];
    foreach ($cases as $name => $payment) {
        $sent = sentOrders($payment);
        check(!isset($sent[0]['items']), $name . ': items sent');
    }
});

test('receipts: lines the app refuses (400 INVALID_ITEMS) are dropped and the order is sent again', function () {
    \Bitrix\Sale\PaySystem\Logger::$errors = [];
    $sent = sentOrders(basketPayment([['QUANTITY' => 5] + TEA]), null, function ($n) {
        return $n === 1
            ? [400, json_encode(['error' => ['code' => 'INVALID_ITEMS', 'message' => 'items add up to 12 500 ₸, 1 ₸ more']])]
            : [201, json_encode(['checkoutUrl' => 'https://pay.example.kz/pay/t19'])];
    });
    same(2, count($sent), 'requests');
    check(isset($sent[0]['items']) && !isset($sent[1]['items']), 'second request without items');
    contains('INVALID_ITEMS items add up to', implode("\n", \Bitrix\Sale\PaySystem\Logger::$errors), 'logged');
});

test('receipts: a basket longer than the app\'s body limit is sent without items', function () {
    $lines = [];
    for ($i = 0; $i < 400; $i++) {
        $lines[] = ['NAME' => str_repeat('Товар с длинным названием ', 3) . $i, 'QUANTITY' => 1, 'PRICE' => 10, 'VAT_RATE' => 0.16];
    }
    $sent = sentOrders(basketPayment($lines, [], 4000.0));
    check(!isset($sent[0]['items']), 'items sent');
    same(4000, $sent[0]['amount'], 'the order still goes');
});

test('receipts: the receipt link is kept in PS_STATUS_DESCRIPTION when the payment is marked paid', function () {
    $url = 'https://cabinet.wofd.kz/consumer?i=367645207&f=032600010282&s=12500.00&t=20250914T165537';
    appSays(200, paidOrder(['receiptUrl' => $url]));
    $payment = payment();
    $handler = flow(service(), $payment, notificationRequest(['receiptUrl' => $url]));
    same(200, $handler->status, 'status');
    same('Kaspi Pay kaspi-777; чек ' . $url, $payment->getField('PS_STATUS_DESCRIPTION'), 'description');
});

test('receipts: without a link (or with one that is not a web address) the description is as before', function () {
    appSays(200, paidOrder(['receiptUrl' => 'javascript:alert(1)']));
    $payment = payment();
    flow(service(), $payment, notificationRequest());
    same('Kaspi Pay kaspi-777', $payment->getField('PS_STATUS_DESCRIPTION'), 'description');
});

test('receipts: a link that would not fit the 250-character column is left out, never cut', function () {
    $url = 'https://cabinet.wofd.kz/consumer?i=' . str_repeat('9', 240);
    appSays(200, paidOrder());
    $payment = payment();
    flow(service(), $payment, notificationRequest(['receiptUrl' => $url]));
    same('Kaspi Pay kaspi-777', $payment->getField('PS_STATUS_DESCRIPTION'), 'description');
});

test('receipts: the return receipt\'s link is recorded with the refund', function () {
    $url = 'https://cabinet.wofd.kz/consumer?i=111&f=032600010282&s=2500.00&t=20250915T100000';
    appSays(200, paidOrder(['status' => 'PARTIALLY_REFUNDED']));
    $payment = payment(['PAID' => 'Y']);
    $partial = ['event' => 'payment.refunded', 'refundId' => 'rfd_1', 'amount' => 2500, 'refundedTotal' => 2500, 'status' => 'PARTIALLY_REFUNDED', 'receiptUrl' => $url];
    flow(service(), $payment, notificationRequest($partial));
    contains('чек ' . $url, $payment->getField('PS_STATUS_DESCRIPTION'), 'description');
    contains('чек ' . $url, $payment->getField('PAY_RETURN_COMMENT'), 'return comment');
});
