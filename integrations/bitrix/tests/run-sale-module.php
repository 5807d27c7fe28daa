<?php
// The handler inside the sale module's own flow (the stand-in's Service::processRequest,
// Payment::setReturn, Service::initiatePay, each modelled on sale/lib/paysystem/service.php and
// sale/lib/payment.php): what Bitrix applies, marks and answers. Included by run.php.

use Bitrix\Main\HttpRequest;
use Bitrix\Main\Web\HttpClient;
use Bitrix\Sale\Payment;
use Bitrix\Sale\PaySystem\Service;
use Sale\Handlers\PaySystem\KaspiCheckout\Signature;

/** The whole notification flow for $payment (found through Manager::getIdsByPayment + Order::load). */
function flow(Service $service, Payment $payment, HttpRequest $request)
{
    $handler = handlerFor($service);
    $payment->setPaySystemService($service);
    $service->processRequest($request);
    return $handler;
}

test('sale module: a successful check whose setPaid fails answers 503 NOT_APPLIED (the app retries)', function () {
    appSays(200, paidOrder());
    $payment = payment();
    $payment->failSetPaid = 'OnSalePaymentPaid handler refused';
    $handler = flow(service(), $payment, notificationRequest());
    same(503, $handler->status, 'status');
    same('NOT_APPLIED', $handler->body['error']['code'], 'code');
    same(false, $payment->isPaid(), 'still unpaid');
    same(false, $payment->isMarked(), 'not marked: nothing is wrong with the payment');
});

test('sale module: a failed order save answers 503 NOT_APPLIED', function () {
    appSays(200, paidOrder());
    $payment = payment();
    $payment->getOrder()->onSave = function () {
        return false;
    };
    $handler = flow(service(), $payment, notificationRequest());
    same(503, $handler->status, 'status');
    same('NOT_APPLIED', $handler->body['error']['code'], 'code');
});

test('sale module: a cancelled order answers 410 ORDER_CANCELLED (final) and nothing is applied', function () {
    HttpClient::$transport = function () {
        throw new RuntimeException('the app must not be asked');
    };
    $payment = payment();
    $order = new \Bitrix\Sale\Order(['ID' => 9, 'ACCOUNT_NUMBER' => '9', 'CURRENCY' => 'KZT', 'LID' => 's1', 'CANCELED' => 'Y']);
    $cancelled = new Payment($payment->getFieldValues(), $order);
    $handler = flow(service(), $cancelled, notificationRequest());
    same(410, $handler->status, 'status');
    same('ORDER_CANCELLED', $handler->body['error']['code'], 'code');
    same(false, $cancelled->isPaid(), 'unpaid');
});

test('sale module: a real problem marks the payment (MARKED = Y); "try again later" does not', function () {
    appSays(200, paidOrder(['amount' => 1]));
    $payment = payment();
    $handler = flow(service(), $payment, notificationRequest());
    same(409, $handler->status, 'mismatch status');
    same(true, $payment->isMarked(), 'marked');
    contains('another amount', $payment->getField('REASON_MARKED'), 'reason');

    foreach (['down' => false, '500' => [500, '{}']] as $name => $answer) {
        HttpClient::$transport = function () use ($answer) {
            return $answer;
        };
        $payment = payment();
        $handler = flow(service(), $payment, notificationRequest());
        same(503, $handler->status, "$name: status");
        same('APP_UNAVAILABLE', $handler->body['error']['code'], "$name: code");
        same(false, $payment->isMarked(), "$name: not marked");
        same(false, $payment->isPaid(), "$name: unpaid");
    }
});

test('sandbox payments: refused (422 SANDBOX_REFUSED) unless "Accept sandbox payments" is on', function () {
    appSays(200, paidOrder(['mode' => 'sandbox']));
    $payment = payment();
    $handler = flow(service(), $payment, notificationRequest(['mode' => 'sandbox']));
    same(422, $handler->status, 'status');
    same('SANDBOX_REFUSED', $handler->body['error']['code'], 'code');
    same(false, $payment->isPaid(), 'unpaid');
    same(false, $payment->isMarked(), 'not marked');

    // The notification says live, the app's own record says sandbox: refused all the same.
    $payment = payment();
    $handler = flow(service(), $payment, notificationRequest(['mode' => 'live']));
    same(422, $handler->status, 're-check says sandbox');

    $payment = payment();
    $handler = flow(service(['KASPI_CHECKOUT_ACCEPT_SANDBOX' => 'Y']), $payment, notificationRequest(['mode' => 'sandbox']));
    same(200, $handler->status, 'accepted when on');
    same(true, $payment->isPaid(), 'paid');
});

test('PS_CHANGE_STATUS_PAY = N records the Kaspi details without marking the payment paid', function () {
    appSays(200, paidOrder());
    $payment = payment();
    $handler = flow(service(['PS_CHANGE_STATUS_PAY' => 'N']), $payment, notificationRequest());
    same(200, $handler->status, 'status');
    same(false, $payment->isPaid(), 'not paid');
    same('kaspi-777', $payment->getField('PS_INVOICE_ID'), 'PS_INVOICE_ID');
});

test('settings are read for the payment: a person type with its own secret', function () {
    appSays(200, paidOrder());
    $other = 'person-type-two-secret-0123456789';
    $service = new Service(['ID' => 7, 'ACTION_FILE' => 'kaspicheckout'], [
        'KASPI_CHECKOUT_APP_URL' => APP,
        'KASPI_CHECKOUT_SHARED_SECRET' => SECRET,
    ], [2 => ['KASPI_CHECKOUT_SHARED_SECRET' => $other]]);
    $order = new \Bitrix\Sale\Order(['ID' => 9, 'ACCOUNT_NUMBER' => '9', 'CURRENCY' => 'KZT', 'LID' => 's1', 'PERSON_TYPE_ID' => 2]);
    $payment = new Payment(['ID' => 15, 'SUM' => 12500.0, 'CURRENCY' => 'KZT', 'PAY_SYSTEM_ID' => 7], $order);
    $handler = flow($service, $payment, notificationRequest([], SECRET));
    same(401, $handler->status, 'the pay system-wide secret is not this person type\'s');
    $handler = flow($service, $payment, notificationRequest([], $other));
    same(200, $handler->status, 'its own secret');
    same(true, $payment->isPaid(), 'paid');
    $sent = HttpClient::$log[count(HttpClient::$log) - 1];
    same(Signature::OK, Signature::verify(
        $other, $sent['headers']['X-Signature-Timestamp'], $sent['headers']['X-Signature-Nonce'],
        $sent['headers']['X-Signature'], 'GET', '/api/orders/15', ''
    ), 're-check signed with it');
});

test('initiatePay stores the app\'s order id as PS_INVOICE_ID and the checkout as the payment URL', function () {
    appSays(201, ['orderId' => 'ord_55', 'checkoutUrl' => 'https://pay.example.kz/pay/tok_55', 'status' => 'CREATED']);
    $service = service();
    handlerFor($service);
    $payment = payment();
    $result = $service->initiatePay($payment, shopRequest(), \Bitrix\Sale\PaySystem\BaseServiceHandler::STRING);
    same('ord_55', $payment->getField('PS_INVOICE_ID'), 'PS_INVOICE_ID');
    same('https://pay.example.kz/pay/tok_55', $result->getPaymentUrl(), 'payment URL');
});

test('payment.refunded: a full refund returns the payment (IS_RETURN = P, unpaid), a partial one is recorded', function () {
    appSays(200, paidOrder(['status' => 'PARTIALLY_REFUNDED']));
    $payment = payment(['PAID' => 'Y']);
    $partial = ['event' => 'payment.refunded', 'refundId' => 'rfd_1', 'amount' => 2500, 'refundedTotal' => 2500, 'status' => 'PARTIALLY_REFUNDED'];
    $handler = flow(service(), $payment, notificationRequest($partial));
    same(200, $handler->status, 'partial status');
    same(true, $payment->isPaid(), 'still paid');
    same('PARTIALLY_REFUNDED', $payment->getField('PS_STATUS_CODE'), 'recorded');
    contains('2500 KZT of 12500 KZT', $payment->getField('PS_STATUS_DESCRIPTION'), 'description');

    appSays(200, paidOrder(['status' => 'REFUNDED']));
    $full = ['refundId' => 'rfd_2', 'amount' => 10000, 'refundedTotal' => 12500, 'status' => 'REFUNDED'] + $partial;
    $handler = flow(service(), $payment, notificationRequest($full));
    same(200, $handler->status, 'full status');
    same(false, $payment->isPaid(), 'unpaid');
    same('P', $payment->getField('IS_RETURN'), 'returned to the pay system');
    $handler = flow(service(), $payment, notificationRequest($full));
    same(true, $handler->body['alreadyRefunded'], 'a repeat is acknowledged');

    appSays(200, paidOrder());
    $handler = flow(service(), payment(['PAID' => 'Y']), notificationRequest($full));
    same(409, $handler->status, 'the app does not report it refunded');
});

test('IRefund: "return to the payment system" refunds through the app, once per payment', function () {
    $sent = [];
    HttpClient::$transport = function ($method, $url, $headers, $body) use (&$sent) {
        $sent[] = compact('method', 'url', 'headers', 'body');
        return [200, json_encode(['refundId' => 'bitrix-15-12500', 'status' => 'SUCCEEDED', 'amount' => 12500, 'refundedAmount' => 12500, 'paymentStatus' => 'REFUNDED'])];
    };
    $service = service();
    handlerFor($service);
    check($service->isRefundable(), 'the pay system is refundable');
    $payment = payment(['PAID' => 'Y']);
    $payment->setPaySystemService($service);
    $result = $payment->setReturn('P');
    check($result->isSuccess(), implode(';', $result->getErrorMessages()));
    same(false, $payment->isPaid(), 'unpaid');
    same('P', $payment->getField('IS_RETURN'), 'returned');
    same('POST', $sent[0]['method'], 'method');
    same(APP . '/api/orders/15/refunds', $sent[0]['url'], 'url');
    same(['amount' => 12500, 'refundId' => 'bitrix-15-12500'], json_decode($sent[0]['body'], true), 'body');
    same(Signature::OK, Signature::verify(
        SECRET, $sent[0]['headers']['X-Signature-Timestamp'], $sent[0]['headers']['X-Signature-Nonce'],
        $sent[0]['headers']['X-Signature'], 'POST', '/api/orders/15/refunds', $sent[0]['body']
    ), 'signed over its method and path');
});

test('IRefund: refusals reach the manager in Russian and the payment stays paid', function () {
    $cases = [
        'unsupported' => [[409, ['error' => ['code' => 'REFUND_UNSUPPORTED', 'message' => 'this Kaspi protocol cannot refund through the API']]], 'не поддерживает возврат через API'],
        'pending' => [[200, ['status' => 'PENDING', 'amount' => 12500]], 'ещё не подтвердил'],
        'refused' => [[200, ['status' => 'FAILED', 'message' => 'payment is not paid']], 'Kaspi отказал в возврате: payment is not paid'],
        'down' => [false, 'недоступно'],
    ];
    foreach ($cases as $name => $case) {
        list($answer, $text) = $case;
        HttpClient::$transport = function () use ($answer) {
            return $answer === false ? false : [$answer[0], json_encode($answer[1])];
        };
        $service = service();
        handlerFor($service);
        $payment = payment(['PAID' => 'Y']);
        $payment->setPaySystemService($service);
        $result = $payment->setReturn('P');
        check(!$result->isSuccess(), "$name: must fail");
        contains($text, implode(';', $result->getErrorMessages()), "$name: message");
        same(true, $payment->isPaid(), "$name: still paid");
        same(false, $payment->isReturn(), "$name: not returned");
    }
});
