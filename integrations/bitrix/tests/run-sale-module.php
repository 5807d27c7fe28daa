<?php
// The handler inside the sale module's own flow (the stand-in's Service::processRequest,
// Payment::setReturn, Service::initiatePay, each modelled on sale/lib/paysystem/service.php and
// sale/lib/payment.php): what Bitrix applies, marks and answers. Included by run.php.

use Bitrix\Main\Application;
use Bitrix\Main\DB\MemoryConnection;
use Bitrix\Main\DB\SqlQueryException;
use Bitrix\Main\HttpRequest;
use Bitrix\Main\Web\HttpClient;
use Bitrix\Sale\Payment;
use Bitrix\Sale\PaySystem\Service;
use Sale\Handlers\PaySystem\KaspiCheckout\NonceStore;
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

// ---------------------------------------------------------------- replayed notifications

/** One signed notification kept as sent, so that it can be delivered again byte for byte (a captured request). */
function captured(array $override = [], $secret = SECRET, $at = null)
{
    $request = notificationRequest($override, $secret, $at);
    return ['request' => $request, 'body' => HttpRequest::$testInput];
}

/** Delivers a captured notification through the sale module's flow. */
function deliver(Service $service, Payment $payment, array $captured)
{
    HttpRequest::$testInput = $captured['body'];
    return flow($service, $payment, $captured['request']);
}

test('replay: the same signed notification delivered twice is applied once, the repeat gets 401 REPLAYED_SIGNATURE', function () {
    appSays(200, paidOrder());
    $payment = payment();
    $paid = captured();
    $handler = deliver(service(), $payment, $paid);
    same(200, $handler->status, 'first delivery');
    same(true, $payment->isPaid(), 'paid');
    $asked = count(HttpClient::$log);

    $handler = deliver(service(), $payment, $paid);
    same(401, $handler->status, 'the repeat');
    same('REPLAYED_SIGNATURE', $handler->body['error']['code'], 'the repeat\'s code');
    same($asked, count(HttpClient::$log), 'the app is not asked again');
    same(1, $payment->paidTransitions, 'setPaid(Y) transitions');
    same(false, $payment->isMarked(), 'a replay does not mark the payment');

    // The app's outbox signs every attempt afresh (new nonce, new timestamp): its retry still goes through.
    $handler = deliver(service(), $payment, captured());
    same(200, $handler->status, 'a re-signed retry');
    same(true, $handler->body['alreadyPaid'], 'acknowledged as already paid');
});

test('replay: an older partial-refund notification delivered again does not overwrite the refund description', function () {
    appSays(200, paidOrder(['status' => 'PARTIALLY_REFUNDED']));
    $payment = payment(['PAID' => 'Y']);
    $refund = ['event' => 'payment.refunded', 'amount' => 2500, 'status' => 'PARTIALLY_REFUNDED'];
    $older = captured(['refundId' => 'rfd_1', 'refundedTotal' => 2500] + $refund);
    $newer = captured(['refundId' => 'rfd_2', 'refundedTotal' => 5000] + $refund);
    same(200, deliver(service(), $payment, $older)->status, 'first refund');
    same(200, deliver(service(), $payment, $newer)->status, 'second refund');
    same('Kaspi refund 5000 KZT of 12500 KZT (rfd_2)', $payment->getField('PS_STATUS_DESCRIPTION'), 'recorded');

    $handler = deliver(service(), $payment, $older);
    same(401, $handler->status, 'the replayed older refund');
    same('REPLAYED_SIGNATURE', $handler->body['error']['code'], 'code');
    same('Kaspi refund 5000 KZT of 12500 KZT (rfd_2)', $payment->getField('PS_STATUS_DESCRIPTION'), 'PS_STATUS_DESCRIPTION kept');
    same('Kaspi refund 5000 KZT of 12500 KZT (rfd_2)', $payment->getField('PAY_RETURN_COMMENT'), 'PAY_RETURN_COMMENT kept');
    same(true, $payment->isPaid(), 'still paid');
});

test('out of order: an older refund notification re-signed by the app\'s retry after a newer one changes nothing', function () {
    appSays(200, paidOrder(['status' => 'PARTIALLY_REFUNDED', 'refundedAmount' => 5000]));
    $payment = payment(['PAID' => 'Y']);
    $refund = ['event' => 'payment.refunded', 'amount' => 2500, 'status' => 'PARTIALLY_REFUNDED'];
    same(200, deliver(service(), $payment, captured(['refundId' => 'rfd_2', 'refundedTotal' => 5000] + $refund))->status, 'the newer');
    same('Kaspi refund 5000 KZT of 12500 KZT (rfd_2)', $payment->getField('PS_STATUS_DESCRIPTION'), 'recorded');

    // The older one's acknowledgement was lost; the outbox signs it again (a fresh nonce).
    $handler = deliver(service(), $payment, captured(['refundId' => 'rfd_1', 'refundedTotal' => 2500] + $refund));
    same(200, $handler->status, 'acknowledged, so the app stops retrying');
    same(true, $handler->body['superseded'], 'as superseded');
    same('Kaspi refund 5000 KZT of 12500 KZT (rfd_2)', $payment->getField('PS_STATUS_DESCRIPTION'), 'PS_STATUS_DESCRIPTION kept');
    same('Kaspi refund 5000 KZT of 12500 KZT (rfd_2)', $payment->getField('PAY_RETURN_COMMENT'), 'PAY_RETURN_COMMENT kept');
    same(true, $payment->isPaid(), 'still paid');
});

test('replay: the nonce is kept in the site\'s database until its timestamp + the tolerance', function () {
    $db = new MemoryConnection();
    Application::setConnection($db);
    appSays(200, paidOrder());
    $at = time();
    $paid = captured([], SECRET, $at);
    same(200, deliver(service(), payment(), $paid)->status, 'delivered');
    $nonce = $paid['request']->getServer()->get('HTTP_X_SIGNATURE_NONCE');
    same(['NONCE'], $db->tables[NonceStore::TABLE]['primary'], 'the nonce is the primary key');
    same([$nonce => ['NONCE' => $nonce, 'EXPIRES_AT' => $at + 300]], $db->tables[NonceStore::TABLE]['rows'], 'stored row');
    Application::setConnection(null);
});

test('replay: a signature that does not verify stores no nonce (nobody without the secret fills the table)', function () {
    $db = new MemoryConnection();
    Application::setConnection($db);
    HttpClient::$transport = function () {
        throw new RuntimeException('the app must not be asked');
    };
    foreach (['wrong secret' => captured([], 'another-secret-0123456789abcdef'), 'stale' => captured([], SECRET, time() - 301)] as $name => $request) {
        same(401, deliver(service(), payment(), $request)->status, $name);
    }
    same([], $db->log, 'no statement ran');
    Application::setConnection(null);
});

test('replay: when the nonce cannot be recorded the answer is 503 (the app retries) and nothing is applied', function () {
    $db = new MemoryConnection();
    $db->down = true;
    Application::setConnection($db);
    HttpClient::$transport = function () {
        throw new RuntimeException('the app must not be asked');
    };
    \Bitrix\Sale\PaySystem\Logger::$errors = [];
    $payment = payment();
    $handler = deliver(service(), $payment, captured());
    same(503, $handler->status, 'status');
    same('NONCE_STORE_UNAVAILABLE', $handler->body['error']['code'], 'code');
    same(false, $payment->isPaid(), 'unpaid');
    same(false, $payment->isMarked(), 'not marked');
    contains('gone away', implode("\n", \Bitrix\Sale\PaySystem\Logger::$errors), 'logged');

    $db->down = false;
    appSays(200, paidOrder());
    same(200, deliver(service(), $payment, captured())->status, 'the retry once the database is back');
    same(true, $payment->isPaid(), 'paid');
    Application::setConnection(null);
});

test('NonceStore: creates its table once, claims a nonce once, purges expired nonces', function () {
    $db = new MemoryConnection();
    $store = new NonceStore($db);
    $t = 1760000000;
    same(true, $store->claim('nonce-aaaaaaaaaaaaaaaa', $t, 300, $t), 'first claim');
    same(false, $store->claim('nonce-aaaaaaaaaaaaaaaa', $t, 300, $t + 1), 'second claim');
    same(false, $store->claim('nonce-aaaaaaaaaaaaaaaa', $t, 300, $t + 300), 'still kept while its timestamp passes the clock check');
    same(true, $store->claim('nonce-bbbbbbbbbbbbbbbb', $t, 300, $t + 2), 'another nonce');
    same(1, count(array_filter($db->log, function ($sql) {
        return strpos($sql, 'CREATE TABLE') === 0;
    })), 'the table is created once');
    same(['nonce-aaaaaaaaaaaaaaaa', 'nonce-bbbbbbbbbbbbbbbb'], array_keys($db->tables[NonceStore::TABLE]['rows']), 'rows');

    // Past timestamp + tolerance (+ the purge grace) the rows go; the clock check refuses those requests anyway.
    $later = $t + 300 + NonceStore::PURGE_GRACE_SECONDS + 1;
    same(true, $store->claim('nonce-cccccccccccccccc', $later, 300, $later), 'a later nonce');
    same(['nonce-cccccccccccccccc'], array_keys($db->tables[NonceStore::TABLE]['rows']), 'expired rows purged');
});

test('NonceStore: a table created by a concurrent request in between is used, not an error', function () {
    $db = new class extends MemoryConnection {
        public $lies = 1;

        public function isTableExists($tableName)
        {
            if ($this->lies > 0) {
                $this->lies--;
                // Another request creates the table right after this one looked.
                $this->query('CREATE TABLE `' . $tableName . '` (`NONCE` VARCHAR(64) NOT NULL, `EXPIRES_AT` BIGINT NOT NULL, PRIMARY KEY (`NONCE`))');
                return false;
            }
            return parent::isTableExists($tableName);
        }
    };
    $store = new NonceStore($db);
    same(true, $store->claim('nonce-dddddddddddddddd', time(), 300), 'claimed');
    same(false, $store->claim('nonce-dddddddddddddddd', time(), 300), 'and refused again');
});

test('NonceStore: a database error that is not a duplicate goes up (the handler answers 503)', function () {
    $db = new MemoryConnection();
    $store = new NonceStore($db);
    $store->claim('nonce-eeeeeeeeeeeeeeee', time(), 300);
    $db->tables[NonceStore::TABLE]['columns'] = ['NONCE']; // a broken table: the INSERT fails, not as a duplicate
    try {
        $store->claim('nonce-ffffffffffffffff', time(), 300);
        throw new RuntimeException('no exception');
    } catch (SqlQueryException $e) {
        contains('Unknown column', $e->getMessage(), 'message');
    }
});

test('stand-in database: a duplicate primary key throws SqlQueryException like MysqliConnection', function () {
    $db = new MemoryConnection();
    $db->queryExecute('CREATE TABLE `t` (`K` VARCHAR(64) NOT NULL, `N` BIGINT NOT NULL, PRIMARY KEY (`K`))');
    $db->queryExecute("INSERT INTO `t` (`K`, `N`) VALUES ('a\\'b', 1)");
    same([['K' => "a'b"]], iterator_to_array((function () use ($db) {
        $result = $db->query("SELECT `K` FROM `t` WHERE `K` = 'a\\'b'");
        while ($row = $result->fetch()) {
            yield $row;
        }
    })(), false), 'select');
    $thrown = null;
    try {
        $db->queryExecute("INSERT INTO `t` (`K`, `N`) VALUES ('a\\'b', 2)");
    } catch (SqlQueryException $e) {
        $thrown = $e;
    }
    check($thrown !== null, 'a duplicate key must throw');
    contains("(1062) Duplicate entry 'a'b' for key 'PRIMARY'", $thrown->getMessage(), 'message');
    check($thrown instanceof \Bitrix\Main\DB\SqlException && $thrown instanceof \Bitrix\Main\SystemException, 'class hierarchy');
    check($db->isTableExists('t') && !$db->isTableExists('u'), 'isTableExists');
    foreach (['UPDATE `t` SET `N` = 3', 'CREATE TABLE `t` (`K` VARCHAR(64) NOT NULL, PRIMARY KEY (`K`))', "INSERT INTO `u` (`K`) VALUES ('x')"] as $sql) {
        $refused = false;
        try {
            $db->queryExecute($sql);
        } catch (SqlQueryException $e) {
            $refused = true;
        }
        check($refused, 'refused: ' . $sql);
    }
});
