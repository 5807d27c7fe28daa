<?php
// A stand-in "Bitrix site" for the cross-language test, served by `php -S ... router.php`.
// It keeps its payments (and its database: the handler's seen nonces) in a JSON file and runs the
// real handler the way the sale module does:
//   GET  /checkout?payment=<id>&sum=<sum>&account=<n>&phone=<p>   the payment step (initiatePay)
//   POST /bitrix/tools/sale_ps_result.php?kaspi_checkout=Y         the notification URL
//   GET  /state                                                    the payments, as JSON
//   POST /admin/cancel?payment=<id>                                 the manager cancels the order
//   POST /admin/return?payment=<id>                                 "return to the payment system"
// Configuration (environment): KASPI_STANDIN_STATE (JSON file), KASPI_APP_URL, KASPI_SHARED_SECRET,
// KASPI_ACCEPT_SANDBOX (Y/N, the handler's "Accept sandbox payments").

use Bitrix\Main\Application;
use Bitrix\Main\Context;
use Bitrix\Main\DB\MemoryConnection;
use Bitrix\Main\HttpRequest;
use Bitrix\Sale\Order;
use Bitrix\Sale\Payment;
use Bitrix\Sale\PaySystem\BaseServiceHandler;
use Bitrix\Sale\PaySystem\Service;
use Sale\Handlers\PaySystem\KaspiCheckoutHandler;

define('KASPI_CHECKOUT_STAND_IN', true);
define('LANGUAGE_ID', 'ru');
require __DIR__ . '/../bitrix-stand-in.php';
require __DIR__ . '/../../kaspicheckout/handler.php';

const PAY_SYSTEM_ID = 7;

$stateFile = (string)getenv('KASPI_STANDIN_STATE');
$lock = fopen($stateFile . '.lock', 'c');
flock($lock, LOCK_EX); // one request at a time touches the payments, like a row lock would

function loadState($file)
{
    $state = is_file($file) ? json_decode((string)file_get_contents($file), true) : null;
    return is_array($state) ? $state : ['payments' => [], 'notifications' => []];
}

/** The site's database (Application::getConnection()), restored from the state: it lives as long as the site. */
function openDatabase(array $state)
{
    $db = new MemoryConnection();
    $db->tables = isset($state['db']) && is_array($state['db']) ? $state['db'] : [];
    Application::setConnection($db);
    return $db;
}

function saveState($file, array $state)
{
    file_put_contents($file, json_encode($state, JSON_PRETTY_PRINT | JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES));
}

function makeService()
{
    $service = new Service(['ID' => PAY_SYSTEM_ID, 'ACTION_FILE' => 'kaspicheckout'], [
        'KASPI_CHECKOUT_APP_URL' => (string)getenv('KASPI_APP_URL'),
        'KASPI_CHECKOUT_SHARED_SECRET' => (string)getenv('KASPI_SHARED_SECRET'),
        'KASPI_CHECKOUT_PHONE_PROPERTY' => 'PHONE',
        'KASPI_CHECKOUT_RETURN_URL' => '/personal/order/detail/#ACCOUNT_NUMBER#/',
        'KASPI_CHECKOUT_ACCEPT_SANDBOX' => getenv('KASPI_ACCEPT_SANDBOX') === 'Y' ? 'Y' : 'N',
        'PS_CHANGE_STATUS_PAY' => 'Y',
    ]);
    $service->setHandler(new KaspiCheckoutHandler('kaspicheckout', $service));
    return $service;
}

function paymentFrom(array $row)
{
    $order = new Order(
        [
            'ID' => $row['ORDER_ID'],
            'ACCOUNT_NUMBER' => $row['ORDER_ACCOUNT_NUMBER'],
            'CURRENCY' => 'KZT',
            'LID' => 's1',
            'CANCELED' => isset($row['ORDER_CANCELED']) ? $row['ORDER_CANCELED'] : 'N',
        ],
        ['PHONE' => $row['PHONE']]
    );
    return new Payment(array_diff_key($row, ['PHONE' => 1, 'PAID_TRANSITIONS' => 1, 'ORDER_ACCOUNT_NUMBER' => 1, 'ORDER_CANCELED' => 1]), $order);
}

/** Every stored payment as sale objects (what Order::load finds), each saving back into the state. */
function loadAll(array &$state, $stateFile, Service $service)
{
    $payments = [];
    foreach ($state['payments'] as $id => $row) {
        $payment = paymentFrom($row);
        $payment->setPaySystemService($service);
        $payment->getOrder()->onSave = function () use ($payment, &$state, $stateFile, $id) {
            $row = $state['payments'][$id];
            $state['payments'][$id] = array_merge($row, $payment->getFieldValues(), [
                'PAID_TRANSITIONS' => $row['PAID_TRANSITIONS'] + $payment->paidTransitions,
            ]);
            $payment->paidTransitions = 0;
            saveState($stateFile, $state);
        };
        $payments[$id] = $payment;
    }
    return $payments;
}

$request = HttpRequest::createFromGlobals();
Application::getInstance()->setContext(new Context($request));
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
$state = loadState($stateFile);

if ($path === '/checkout') {
    $id = (string)(int)$request->get('payment');
    if (!isset($state['payments'][$id])) {
        $account = (string)$request->get('account');
        $state['payments'][$id] = [
            'ID' => (int)$id,
            'ORDER_ID' => (int)$account,
            'ORDER_ACCOUNT_NUMBER' => $account,
            'ACCOUNT_NUMBER' => $account . '/1',
            'SUM' => (string)$request->get('sum'),
            'CURRENCY' => 'KZT',
            'PAID' => 'N',
            'PAY_SYSTEM_ID' => PAY_SYSTEM_ID,
            'PHONE' => (string)$request->get('phone'),
            'PAID_TRANSITIONS' => 0,
        ];
        saveState($stateFile, $state);
    }
    header('Content-Type: text/html; charset=utf-8');
    echo "<!doctype html><html><head><meta charset=\"utf-8\"><title>Stand-in Bitrix checkout</title></head><body>\n";
    $service = makeService();
    $payments = loadAll($state, $stateFile, $service);
    $service->initiatePay($payments[$id], $request, BaseServiceHandler::STREAM);
    echo "\n</body></html>\n";
    return true;
}

if ($path === '/bitrix/tools/sale_ps_result.php') {
    // PaySystem\Manager::searchByRequest: the first active pay system whose handler claims it.
    if (!KaspiCheckoutHandler::isMyResponse($request, PAY_SYSTEM_ID)) {
        return true; // Bitrix answers 200 with an empty body when no pay system matches
    }
    $state['notifications'][] = ['at' => date('c'), 'body' => HttpRequest::getInput()];
    saveState($stateFile, $state);
    $service = makeService();
    loadAll($state, $stateFile, $service);
    $db = openDatabase($state);
    // Service::processRequest finds the payment itself (Manager::getIdsByPayment + Order::load).
    $service->processRequest($request);
    $state['db'] = $db->tables;
    saveState($stateFile, $state);
    return true;
}

if ($path === '/admin/cancel' || $path === '/admin/return') {
    $id = (string)(int)$request->get('payment');
    header('Content-Type: application/json');
    if (!isset($state['payments'][$id])) {
        http_response_code(404);
        echo json_encode(['ok' => false]);
        return true;
    }
    if ($path === '/admin/cancel') {
        $state['payments'][$id]['ORDER_CANCELED'] = 'Y';
        saveState($stateFile, $state);
        echo json_encode(['ok' => true]);
        return true;
    }
    $payments = loadAll($state, $stateFile, makeService());
    $result = $payments[$id]->setReturn('P');
    if ($result->isSuccess()) {
        $payments[$id]->getOrder()->save();
    }
    echo json_encode(['ok' => $result->isSuccess(), 'errors' => $result->getErrorMessages()], JSON_UNESCAPED_UNICODE);
    return true;
}

if ($path === '/state') {
    header('Content-Type: application/json');
    echo json_encode($state, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
    return true;
}

http_response_code(404);
echo 'not found';
return true;
