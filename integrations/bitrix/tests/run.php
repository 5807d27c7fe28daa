<?php
// Tests of the Kaspi checkout payment handler under php-cli, against the Bitrix stand-in.
// Run: php integrations/bitrix/tests/run.php   (exit code 0 = all passed; last line "N passed, N failed")

declare(strict_types=0);

use Bitrix\Main\HttpRequest;
use Bitrix\Main\Localization\Loc;
use Bitrix\Main\Web\HttpClient;
use Bitrix\Sale\Order;
use Bitrix\Sale\Payment;
use Bitrix\Sale\PaySystem\BaseServiceHandler;
use Bitrix\Sale\PaySystem\Service;
use Bitrix\Sale\PaySystem\ServiceResult;
use Sale\Handlers\PaySystem\KaspiCheckout\Signature;
use Sale\Handlers\PaySystem\KaspiCheckoutHandler;

// Any notice, warning or deprecation fails the run: the handler must not print PHP warnings.
set_error_handler(function ($severity, $message, $file, $line) {
    if (!(error_reporting() & $severity)) {
        return false; // silenced with @ on purpose (the stand-in's network call)
    }
    throw new ErrorException($message . ' at ' . basename($file) . ':' . $line, 0, $severity, $file, $line);
});

define('KASPI_CHECKOUT_STAND_IN', true);
define('LANGUAGE_ID', 'ru');
require __DIR__ . '/bitrix-stand-in.php';
require __DIR__ . '/../kaspicheckout/handler.php';
require __DIR__ . '/testable-handler.php';

const SECRET = 'php-test-shared-secret-0123456789';
const APP = 'https://pay.example.kz';

$passed = 0;
$failed = 0;
$only = isset($argv[1]) ? $argv[1] : null;

function test($name, callable $fn)
{
    global $passed, $failed, $only;
    if ($only !== null && strpos($name, $only) === false) {
        return;
    }
    HttpClient::$transport = null;
    HttpClient::$log = [];
    HttpRequest::$testInput = null;
    try {
        $fn();
        $passed++;
        echo "ok - $name\n";
    } catch (Throwable $e) {
        $failed++;
        echo "not ok - $name\n    " . get_class($e) . ': ' . $e->getMessage() . "\n";
    }
}

function check($condition, $message)
{
    if (!$condition) {
        throw new RuntimeException($message);
    }
}

function same($expected, $actual, $what)
{
    if ($expected !== $actual) {
        throw new RuntimeException($what . ': expected ' . var_export($expected, true) . ', got ' . var_export($actual, true));
    }
}

function contains($needle, $haystack, $what)
{
    if (strpos((string)$haystack, (string)$needle) === false) {
        throw new RuntimeException($what . ': "' . $needle . '" not found in: ' . substr((string)$haystack, 0, 600));
    }
}

function service(array $values = [])
{
    return new Service(['ID' => 7, 'ACTION_FILE' => 'kaspicheckout'], $values + [
        'KASPI_CHECKOUT_APP_URL' => APP,
        'KASPI_CHECKOUT_SHARED_SECRET' => SECRET,
        'KASPI_CHECKOUT_PHONE_PROPERTY' => 'PHONE',
        'KASPI_CHECKOUT_RETURN_URL' => '/personal/order/detail/#ACCOUNT_NUMBER#/',
    ]);
}

function handlerFor(Service $service)
{
    $handler = new TestableHandler('kaspicheckout', $service);
    $service->setHandler($handler);
    return $handler;
}

function payment(array $fields = [], array $properties = ['PHONE' => '8 (701) 234-56-78'])
{
    $order = new Order(['ID' => 9, 'ACCOUNT_NUMBER' => '9', 'CURRENCY' => 'KZT', 'LID' => 's1'], $properties);
    return new Payment($fields + ['ID' => 15, 'ACCOUNT_NUMBER' => '9/1', 'SUM' => 12500.0, 'CURRENCY' => 'KZT', 'PAY_SYSTEM_ID' => 7], $order);
}

function shopRequest()
{
    return new HttpRequest([], ['HTTP_HOST' => 'shop.example.kz', 'HTTPS' => 'on']);
}

const NOTIFY_PATH = '/bitrix/tools/sale_ps_result.php';

/** A notification as the app signs it: POST to the handler's request URI. */
function notificationRequest(array $override = [], $secret = SECRET, $at = null, $query = ['kaspi_checkout' => 'Y'])
{
    $body = json_encode($override + [
        'event' => 'payment.paid',
        'externalId' => '15',
        'orderId' => 'ord_01',
        'amount' => 12500,
        'kaspiPaymentId' => 'kaspi-777',
        'paidAt' => '2025-10-09T09:00:00.000Z',
    ]);
    HttpRequest::$testInput = $body;
    $uri = NOTIFY_PATH . ($query ? '?' . http_build_query($query) : '');
    $headers = Signature::headers($secret, 'POST', $uri, $body, $at);
    return new HttpRequest($query, [
        'REQUEST_METHOD' => 'POST',
        'REQUEST_URI' => $uri,
        'HTTP_X_SIGNATURE_TIMESTAMP' => $headers['X-Signature-Timestamp'],
        'HTTP_X_SIGNATURE_NONCE' => $headers['X-Signature-Nonce'],
        'HTTP_X_SIGNATURE' => $headers['X-Signature'],
    ]);
}

/** The app's GET /api/orders/{id} answer, as the fake transport gives it. */
function appSays($status, $body)
{
    HttpClient::$transport = function ($method, $url, $headers, $raw) use ($status, $body) {
        return [$status, json_encode($body)];
    };
}

function paidOrder(array $override = [])
{
    return $override + [
        'orderId' => 'ord_01', 'externalId' => '15', 'amount' => 12500, 'status' => 'PAID',
        'paidAt' => '2025-10-09T09:00:00.000Z', 'kaspiPaymentId' => 'kaspi-777',
    ];
}

function initiate(Service $service, Payment $payment)
{
    $handler = handlerFor($service);
    $result = $service->initiatePay($payment, shopRequest(), BaseServiceHandler::STRING);
    check($result->isSuccess(), 'initiatePay result is not successful: ' . implode(';', $result->getErrorMessages()));
    return $result->getTemplate();
}

// ---------------------------------------------------------------- signatures (shared vectors)

$vectors = json_decode(file_get_contents(__DIR__ . '/signature-vectors.json'), true);

test('signature vectors: PHP signs exactly like the app', function () use ($vectors) {
    foreach ($vectors['signing'] as $v) {
        $headers = Signature::headers($v['secret'], $v['method'], $v['target'], $v['body'], (int)$v['timestamp'], $v['nonce']);
        same($v['signature'], $headers['X-Signature'], $v['name']);
        same($v['nonce'], $headers['X-Signature-Nonce'], $v['name'] . ' nonce');
        same($v['timestamp'], $headers['X-Signature-Timestamp'], $v['name'] . ' timestamp');
    }
});

test('signature vectors: PHP verifies exactly like the app', function () use ($vectors) {
    foreach ($vectors['verification'] as $v) {
        $got = Signature::verify(
            $v['secret'], $v['timestamp'], $v['nonce'], $v['signature'], $v['method'], $v['target'], $v['body'],
            $v['toleranceSeconds'], $v['now']
        );
        same($v['expected'], $got, $v['name']);
    }
});

// ---------------------------------------------------------------- description and currency

test('getCurrencyList is KZT only', function () {
    same(['KZT'], handlerFor(service())->getCurrencyList(), 'currencies');
});

test('.description.php declares the admin settings, with ru and en texts for every message', function () {
    foreach (['ru', 'en'] as $lang) {
        Loc::reset($lang);
        $data = null;
        include __DIR__ . '/../kaspicheckout/.description.php';
        check(is_array($data) && isset($data['CODES']), 'no $data[CODES]');
        same(
            ['KASPI_CHECKOUT_APP_URL', 'KASPI_CHECKOUT_SHARED_SECRET', 'KASPI_CHECKOUT_STORE_ID', 'KASPI_CHECKOUT_PHONE_PROPERTY', 'KASPI_CHECKOUT_RETURN_URL', 'KASPI_CHECKOUT_DELIVERY_VAT', 'KASPI_CHECKOUT_ACCEPT_SANDBOX', 'PS_CHANGE_STATUS_PAY'],
            array_keys($data['CODES']),
            'setting codes'
        );
        check(is_string($data['NAME']) && $data['NAME'] !== '', "$lang: NAME has no text");
        foreach ($data['CODES'] as $code => $setting) {
            check(is_string($setting['NAME']) && $setting['NAME'] !== '', "$lang: $code has no name");
            check(is_string($setting['DESCRIPTION']) && $setting['DESCRIPTION'] !== '', "$lang: $code has no description");
            check(isset($setting['GROUP']), "$lang: $code has no group");
        }
        check(is_string(Loc::getMessage('CONNECT_SETTINGS_KASPI_CHECKOUT')) && Loc::getMessage('CONNECT_SETTINGS_KASPI_CHECKOUT') !== '', "$lang: the settings group has no title");
        same(['TYPE' => 'Y/N'], $data['CODES']['KASPI_CHECKOUT_ACCEPT_SANDBOX']['INPUT'], 'sandbox setting is a checkbox');
        same('N', $data['CODES']['KASPI_CHECKOUT_ACCEPT_SANDBOX']['DEFAULT']['PROVIDER_VALUE'], 'sandbox payments are refused by default');
    }
    $keys = [];
    foreach (['ru', 'en'] as $lang) {
        $MESS = [];
        include __DIR__ . "/../kaspicheckout/lang/$lang/handler.php";
        $keys[$lang] = array_keys($MESS);
        sort($keys[$lang]);
    }
    same($keys['ru'], $keys['en'], 'ru and en handler messages');
    Loc::reset('ru');
    Loc::loadMessages(__DIR__ . '/../kaspicheckout/handler.php');
});

// ---------------------------------------------------------------- initiatePay

test('initiatePay sends the signed order and renders the iframe, fallback link and origin check', function () {
    $sent = null;
    HttpClient::$transport = function ($method, $url, $headers, $body) use (&$sent) {
        $sent = compact('method', 'url', 'headers', 'body');
        return [201, json_encode(['orderId' => 'ord_1', 'checkoutUrl' => 'https://pay.example.kz/pay/tok_abc', 'status' => 'CREATED'])];
    };
    $html = initiate(service(), payment());
    same('POST', $sent['method'], 'method');
    same(APP . '/api/orders', $sent['url'], 'url');
    same('application/json', $sent['headers']['Content-Type'], 'content type');
    same(
        Signature::OK,
        Signature::verify(
            SECRET, $sent['headers']['X-Signature-Timestamp'], $sent['headers']['X-Signature-Nonce'],
            $sent['headers']['X-Signature'], 'POST', '/api/orders', $sent['body']
        ),
        'the request signature'
    );
    $order = json_decode($sent['body'], true);
    same('15', $order['externalId'], 'externalId = payment id');
    same('9/1', $order['accountNumber'], 'accountNumber');
    same(12500, $order['amount'], 'amount as whole tenge');
    same('KZT', $order['currency'], 'currency');
    same('8 (701) 234-56-78', $order['phone'], 'phone from the PHONE property (the app normalises it)');
    same('https://shop.example.kz/personal/order/detail/9/', $order['returnUrl'], 'returnUrl');
    same('ru', $order['lang'], 'lang');
    same('Заказ №9/1', $order['description'], 'description');
    contains('<iframe id="kaspi-checkout-15" src="https://pay.example.kz/pay/tok_abc"', $html, 'iframe');
    contains('href="https://pay.example.kz/pay/tok_abc" target="_blank"', $html, 'fallback link');
    contains('Открыть страницу оплаты', $html, 'fallback text');
    contains('var appOrigin = "https://pay.example.kz";', $html, 'origin check');
    contains('event.source !== frame.contentWindow', $html, 'source check');
    contains("'kaspi-checkout:height'", $html, 'height message');
});

test('initiatePay: a repeat (200, same order) renders the same iframe', function () {
    appSays(200, ['orderId' => 'ord_1', 'checkoutUrl' => 'https://pay.example.kz/pay/tok_abc', 'status' => 'PENDING']);
    contains('src="https://pay.example.kz/pay/tok_abc"', initiate(service(), payment()), 'iframe');
});

test('initiatePay: an unreachable app gives a clear message, no warning, and is logged', function () {
    HttpClient::$transport = function () {
        return false;
    };
    \Bitrix\Sale\PaySystem\Logger::$errors = [];
    $html = initiate(service(), payment());
    contains('Оплата через Kaspi временно недоступна', $html, 'message');
    check(strpos($html, '<iframe') === false, 'no iframe');
    contains('unreachable', implode("\n", \Bitrix\Sale\PaySystem\Logger::$errors), 'log');
});

test('initiatePay: the real network path with nothing listening gives the same message', function () {
    // 127.0.0.1:9 (discard) is closed on CI machines: the stand-in HttpClient really connects.
    $html = initiate(service(['KASPI_CHECKOUT_APP_URL' => 'http://127.0.0.1:9']), payment());
    contains('временно недоступна', $html, 'message');
});

test('initiatePay: an app answering 5xx or garbage is "unavailable"', function () {
    appSays(503, ['error' => ['code' => 'KASPI_UNAVAILABLE', 'message' => 'x']]);
    contains('временно недоступна', initiate(service(), payment()), '503');
    HttpClient::$transport = function () {
        return [502, '<html>Bad gateway</html>'];
    };
    contains('временно недоступна', initiate(service(), payment()), 'html 502');
});

test('initiatePay: an already paid order says so', function () {
    appSays(409, ['error' => ['code' => 'ORDER_ALREADY_PAID', 'message' => 'paid']]);
    contains('Этот заказ уже оплачен', initiate(service(), payment()), 'message');
});

test('initiatePay: a wrong shared secret (401) says "could not be started" and logs the app\'s reason', function () {
    appSays(401, ['error' => ['code' => 'INVALID_SIGNATURE', 'message' => 'signature does not match']]);
    \Bitrix\Sale\PaySystem\Logger::$errors = [];
    contains('Не удалось начать оплату', initiate(service(), payment()), 'message');
    contains('INVALID_SIGNATURE', implode("\n", \Bitrix\Sale\PaySystem\Logger::$errors), 'log');
});

test('initiatePay: a phone the app rejects is dropped and the order is sent again', function () {
    $bodies = [];
    HttpClient::$transport = function ($method, $url, $headers, $body) use (&$bodies) {
        $bodies[] = json_decode($body, true);
        return count($bodies) === 1
            ? [422, json_encode(['error' => ['code' => 'INVALID_PHONE', 'message' => 'bad phone']])]
            : [201, json_encode(['checkoutUrl' => 'https://pay.example.kz/pay/t2'])];
    };
    $html = initiate(service(), payment([], ['PHONE' => '+1 555 0100']));
    same(2, count($bodies), 'requests');
    check(!isset($bodies[1]['phone']), 'second request has no phone');
    contains('src="https://pay.example.kz/pay/t2"', $html, 'iframe');
});

test('initiatePay: non-KZT, fractional sums and missing settings never reach the app', function () {
    HttpClient::$transport = function () {
        throw new RuntimeException('must not be called');
    };
    contains('только заказ в тенге', initiate(service(), payment(['CURRENCY' => 'RUB'])), 'currency');
    contains('в целых тенге', initiate(service(), payment(['SUM' => 12500.5])), 'fraction');
    contains('в целых тенге', initiate(service(), payment(['SUM' => 0])), 'zero');
    contains('не настроена', initiate(service(['KASPI_CHECKOUT_APP_URL' => '']), payment()), 'no URL');
    contains('не настроена', initiate(service(['KASPI_CHECKOUT_SHARED_SECRET' => 'short']), payment()), 'short secret');
});

test('initiatePay: a sum like 12500.0000 (Bitrix decimals) is 12500 tenge', function () {
    $sent = null;
    HttpClient::$transport = function ($m, $u, $h, $body) use (&$sent) {
        $sent = json_decode($body, true);
        return [201, json_encode(['checkoutUrl' => 'https://pay.example.kz/pay/t'])];
    };
    initiate(service(), payment(['SUM' => '12500.0000']));
    same(12500, $sent['amount'], 'amount');
});

test('initiatePay: checkout URL and texts are escaped in HTML and JS', function () {
    appSays(201, ['checkoutUrl' => 'https://pay.example.kz/pay/"><script>alert(1)</script>']);
    $html = initiate(service(), payment());
    check(strpos($html, '<script>alert(1)') === false, 'raw script injected');
});

// ---------------------------------------------------------------- notifications

test('getPaymentIdFromRequest returns the externalId of a signed notification', function () {
    $handler = handlerFor(service());
    same('15', $handler->getPaymentIdFromRequest(notificationRequest()), 'payment id');
});

test('bad, stale and missing signatures are rejected with 401 before Bitrix loads anything', function () {
    $cases = [
        'wrong secret' => notificationRequest([], 'another-secret-0123456789abcdef'),
        'stale' => notificationRequest([], SECRET, time() - 301),
        'future' => notificationRequest([], SECRET, time() + 301),
    ];
    $unsigned = notificationRequest();
    $cases['unsigned'] = new HttpRequest(['kaspi_checkout' => 'Y'], []);
    foreach ($cases as $name => $request) {
        $handler = handlerFor(service());
        same(null, $handler->getPaymentIdFromRequest($request), $name . ': payment id');
        same(401, $handler->status, $name . ': status');
        check(isset($handler->body['error']['code']), $name . ': error body');
    }
});

test('a notification signed for another URI or method, or in the first "<ts>.<body>" form, is rejected (401)', function () {
    $request = notificationRequest();
    $server = [
        'REQUEST_METHOD' => 'POST',
        'REQUEST_URI' => NOTIFY_PATH . '?kaspi_checkout=Y',
        'HTTP_X_SIGNATURE_TIMESTAMP' => $request->getServer()->get('HTTP_X_SIGNATURE_TIMESTAMP'),
        'HTTP_X_SIGNATURE_NONCE' => $request->getServer()->get('HTTP_X_SIGNATURE_NONCE'),
        'HTTP_X_SIGNATURE' => $request->getServer()->get('HTTP_X_SIGNATURE'),
    ];
    $oldForm = 'sha256=' . hash_hmac('sha256', $server['HTTP_X_SIGNATURE_TIMESTAMP'] . '.' . HttpRequest::$testInput, SECRET);
    $cases = [
        'other URI' => ['REQUEST_URI' => NOTIFY_PATH . '?kaspi_checkout=Y&pay_system_id=2'] + $server,
        'other method' => ['REQUEST_METHOD' => 'PUT'] + $server,
        'first form, no nonce' => ['HTTP_X_SIGNATURE' => $oldForm, 'HTTP_X_SIGNATURE_NONCE' => null] + $server,
    ];
    foreach ($cases as $name => $values) {
        $handler = handlerFor(service());
        same(null, $handler->getPaymentIdFromRequest(new HttpRequest(['kaspi_checkout' => 'Y'], $values)), $name . ': payment id');
        same(401, $handler->status, $name . ': status');
    }
    $handler = handlerFor(service());
    same('15', $handler->getPaymentIdFromRequest(new HttpRequest(['kaspi_checkout' => 'Y'], $server)), 'as signed: accepted');
});

test('a tampered body is rejected (401)', function () {
    $request = notificationRequest();
    HttpRequest::$testInput = str_replace('12500', '1', HttpRequest::$testInput);
    $handler = handlerFor(service());
    same(null, $handler->getPaymentIdFromRequest($request), 'payment id');
    same(401, $handler->status, 'status');
});

test('a signed body that is not a payment notification is a 400', function () {
    $request = notificationRequest(['event' => 'payment.other']);
    $handler = handlerFor(service());
    same(null, $handler->getPaymentIdFromRequest($request), 'payment id');
    same(400, $handler->status, 'status');
});

test('processRequest: re-checked PAID for the same amount → MONEY_COMING with PS_* fields', function () {
    $calls = [];
    HttpClient::$transport = function ($method, $url, $headers, $body) use (&$calls) {
        $calls[] = compact('method', 'url', 'headers', 'body');
        return [200, json_encode(paidOrder())];
    };
    $handler = handlerFor(service());
    $request = notificationRequest();
    $handler->getPaymentIdFromRequest($request);
    $result = $handler->processRequest(payment(), $request);
    check($result->isSuccess(), 'result: ' . implode(';', $result->getErrorMessages()));
    same(ServiceResult::MONEY_COMING, $result->getOperationType(), 'operation');
    $ps = $result->getPsData();
    same('Y', $ps['PS_STATUS'], 'PS_STATUS');
    same('kaspi-777', $ps['PS_INVOICE_ID'], 'PS_INVOICE_ID');
    same(12500, $ps['PS_SUM'], 'PS_SUM');
    same('KZT', $ps['PS_CURRENCY'], 'PS_CURRENCY');
    check($ps['PS_RESPONSE_DATE'] instanceof \Bitrix\Main\Type\DateTime, 'PS_RESPONSE_DATE');
    same(1, count($calls), 'one re-check');
    same('GET', $calls[0]['method'], 're-check method');
    same(APP . '/api/orders/15', $calls[0]['url'], 're-check url');
    same(
        Signature::OK,
        Signature::verify(
            SECRET, $calls[0]['headers']['X-Signature-Timestamp'], $calls[0]['headers']['X-Signature-Nonce'],
            $calls[0]['headers']['X-Signature'], 'GET', '/api/orders/15', ''
        ),
        're-check signed over its method and path'
    );
    $handler->sendResponse($result, $request);
    same(200, $handler->status, 'status');
    same(['status' => 'OK'], $handler->body, 'body');
});

test('Store id set: every signed request names the store (X-Kaspi-Store) and is signed with the same secret; unset: no header', function () {
    foreach (['sto_0123456789abcdef' => 'sto_0123456789abcdef', '' => null, '  ' => null] as $setting => $expected) {
        $calls = [];
        HttpClient::$transport = function ($method, $url, $headers, $body) use (&$calls) {
            $calls[] = compact('method', 'url', 'headers', 'body');
            if ($method === 'POST' && $url === APP . '/api/orders') {
                return [201, json_encode(['orderId' => 'ord_1', 'checkoutUrl' => 'https://pay.example.kz/pay/tok_abc', 'status' => 'CREATED'])];
            }
            if ($method === 'GET') {
                return [200, json_encode(paidOrder())];
            }
            return [200, json_encode(['refundId' => 'bitrix-15-12500', 'status' => 'SUCCEEDED', 'amount' => 12500, 'refundedAmount' => 12500, 'paymentStatus' => 'REFUNDED'])];
        };
        $service = service(['KASPI_CHECKOUT_STORE_ID' => $setting]);
        initiate($service, payment());
        $handler = handlerFor($service);
        $request = notificationRequest();
        $handler->getPaymentIdFromRequest($request);
        check($handler->processRequest(payment(), $request)->isSuccess(), 'notification applied');
        check(handlerFor($service)->refund(payment(), 12500)->isSuccess(), 'refund');
        same(['POST /api/orders', 'GET /api/orders/15', 'POST /api/orders/15/refunds'], array_map(function ($c) {
            return $c['method'] . ' ' . substr($c['url'], strlen(APP));
        }, $calls), "requests ($setting)");
        foreach ($calls as $c) {
            same($expected, isset($c['headers']['X-Kaspi-Store']) ? $c['headers']['X-Kaspi-Store'] : null, "X-Kaspi-Store of {$c['method']} {$c['url']}");
            same(Signature::OK, Signature::verify(
                SECRET, $c['headers']['X-Signature-Timestamp'], $c['headers']['X-Signature-Nonce'],
                $c['headers']['X-Signature'], $c['method'], substr($c['url'], strlen(APP)), $c['body']
            ), "signature of {$c['method']} {$c['url']}");
        }
    }
});

test('processRequest refuses what the app does not confirm, with a status that makes the app retry', function () {
    $cases = [
        'pending' => [200, paidOrder(['status' => 'PENDING']), 409, 'NOT_PAID'],
        'refunded' => [200, paidOrder(['status' => 'REFUNDED']), 409, 'NOT_PAID'],
        'other amount' => [200, paidOrder(['amount' => 12499]), 409, 'AMOUNT_MISMATCH'],
        'amount as string' => [200, paidOrder(['amount' => '12500']), 409, 'AMOUNT_MISMATCH'],
        'app 404' => [404, ['error' => ['code' => 'NOT_FOUND', 'message' => 'x']], 502, 'APP_REFUSED'],
    ];
    foreach ($cases as $name => $case) {
        list($status, $body, $expectedStatus, $expectedCode) = $case;
        HttpClient::$transport = function () use ($status, $body) {
            return $status === false ? false : [$status, json_encode($body)];
        };
        $handler = handlerFor(service());
        $request = notificationRequest();
        $handler->getPaymentIdFromRequest($request);
        $result = $handler->processRequest(payment(), $request);
        check(!$result->isSuccess(), $name . ': must fail');
        same(null, $result->getOperationType(), $name . ': no operation');
        $handler->sendResponse($result, $request);
        same($expectedStatus, $handler->status, $name . ': status');
        same($expectedCode, $handler->body['error']['code'], $name . ': code');
    }
});

test('processRequest: a notification for another payment is a 400', function () {
    HttpClient::$transport = function () {
        throw new RuntimeException('must not be called');
    };
    $handler = handlerFor(service());
    $request = notificationRequest(['externalId' => '16']);
    $handler->getPaymentIdFromRequest($request);
    $result = $handler->processRequest(payment(), $request);
    $handler->sendResponse($result, $request);
    same(400, $handler->status, 'status');
});

test('processRequest: an already paid payment is acknowledged and nothing changes', function () {
    HttpClient::$transport = function () {
        throw new RuntimeException('must not be called');
    };
    $handler = handlerFor(service());
    $request = notificationRequest();
    $handler->getPaymentIdFromRequest($request);
    $result = $handler->processRequest(payment(['PAID' => 'Y']), $request);
    check($result->isSuccess(), 'success');
    same(null, $result->getOperationType(), 'no operation');
    same([], $result->getPsData(), 'no PS data');
    $handler->sendResponse($result, $request);
    same(200, $handler->status, 'status');
    same(true, $handler->body['alreadyPaid'], 'alreadyPaid');
});

test('through the sale module flow: two notifications mark the payment paid exactly once', function () {
    appSays(200, paidOrder());
    $service = service();
    $handler = handlerFor($service);
    $payment = payment();
    $saves = 0;
    $payment->getOrder()->onSave = function () use (&$saves) {
        $saves++;
    };
    $find = function ($id) use ($payment) {
        return (string)$id === '15' ? $payment : null;
    };
    $service->processRequest(notificationRequest(), $find);
    same(200, $handler->status, 'first status');
    $service->processRequest(notificationRequest(), $find);
    same(200, $handler->status, 'second status');
    same(true, $payment->isPaid(), 'paid');
    same(1, $payment->paidTransitions, 'setPaid(Y) transitions');
    same('kaspi-777', $payment->getField('PS_INVOICE_ID'), 'PS_INVOICE_ID stored');
    same(2, $saves, 'order saved per notification');
});

test('through the sale module flow: a payment Bitrix cannot find leaves a 404, so the app retries', function () {
    appSays(200, paidOrder());
    $service = service();
    $handler = handlerFor($service);
    $service->processRequest(notificationRequest(), function () {
        return null;
    });
    same(404, $handler->status, 'status');
});

test('isMyResponse: the indicative query parameter routes sale_ps_result.php to this handler', function () {
    check(KaspiCheckoutHandler::isMyResponse(new HttpRequest(['kaspi_checkout' => 'Y']), 7) === true, 'bare flag');
    check(KaspiCheckoutHandler::isMyResponse(new HttpRequest(['kaspi_checkout' => 'Y', 'pay_system_id' => '7']), 7) === true, 'own id');
    check(KaspiCheckoutHandler::isMyResponse(new HttpRequest(['kaspi_checkout' => 'Y', 'pay_system_id' => '8']), 7) === false, 'other id');
    check(KaspiCheckoutHandler::isMyResponse(new HttpRequest([]), 7) === false, 'no flag');
});

require __DIR__ . '/run-sale-module.php';
require __DIR__ . '/run-receipts.php';

echo "$passed passed, $failed failed\n";
exit($failed === 0 ? 0 : 1);
