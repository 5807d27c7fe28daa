<?php
// Kaspi Pay checkout — payment handler for the 1C-Bitrix sale module (PHP 7.4+).
// Install: copy this folder to /local/php_interface/include/sale_payment/kaspicheckout/.
//
// initiatePay      sends the order to the Kaspi checkout app (signed POST /api/orders) and shows
//                  the app's checkout page in an iframe, with a fallback link.
// processRequest   accepts the app's signed payment.paid notification, re-checks the order with a
//                  signed GET /api/orders/{externalId}, and returns MONEY_COMING with PS_* fields
//                  so that the sale module calls setPaid('Y').

namespace Sale\Handlers\PaySystem;

use Bitrix\Main\Application;
use Bitrix\Main\Error;
use Bitrix\Main\HttpRequest;
use Bitrix\Main\Localization\Loc;
use Bitrix\Main\Request;
use Bitrix\Main\Type\DateTime;
use Bitrix\Sale\Payment;
use Bitrix\Sale\PaySystem;
use Bitrix\Sale\PriceMaths;
use Sale\Handlers\PaySystem\KaspiCheckout\AppClient;
use Sale\Handlers\PaySystem\KaspiCheckout\AppResponse;
use Sale\Handlers\PaySystem\KaspiCheckout\Signature;

require_once __DIR__ . '/lib/Signature.php';
require_once __DIR__ . '/lib/AppClient.php';

Loc::loadMessages(__FILE__);

class KaspiCheckoutHandler extends PaySystem\ServiceHandler
{
    const CURRENCY = 'KZT';
    const SIGNATURE_TOLERANCE_SECONDS = 300;
    const DEFAULT_RETURN_URL = '/personal/order/detail/#ACCOUNT_NUMBER#/';
    /** The query parameter that tells /bitrix/tools/sale_ps_result.php the request is ours. */
    const INDICATIVE_FIELD = 'kaspi_checkout';

    /** @var array<string, mixed>|null the notification whose signature was checked */
    private $notification = null;
    /** @var array{0: int, 1: string}|null HTTP status and error code of a failed processRequest */
    private $failure = null;
    /** @var bool */
    private $alreadyPaid = false;

    public function getCurrencyList()
    {
        return [self::CURRENCY];
    }

    public static function getIndicativeFields()
    {
        return [self::INDICATIVE_FIELD];
    }

    /** With several Kaspi pay systems, &pay_system_id=<id> in the notification URL picks one. */
    protected static function isMyResponseExtended(Request $request, $paySystemId)
    {
        $wanted = (string)$request->get('pay_system_id');
        return $wanted === '' || (int)$wanted === (int)$paySystemId;
    }

    public function initiatePay(Payment $payment, Request $request = null)
    {
        $request = $request ?: Application::getInstance()->getContext()->getRequest();
        $view = $this->startCheckout($payment, $request);
        $this->setExtraParams(['KASPI_CHECKOUT' => $view]);
        return $this->showTemplate($payment, 'template');
    }

    /** @return array<string, mixed> what the template shows */
    private function startCheckout(Payment $payment, Request $request)
    {
        $appUrl = trim((string)$this->getBusinessValue($payment, 'KASPI_CHECKOUT_APP_URL'));
        $secret = trim((string)$this->getBusinessValue($payment, 'KASPI_CHECKOUT_SHARED_SECRET'));
        $returnUrl = $this->returnUrl($payment, $request);
        $view = [
            'FRAME_ID' => 'kaspi-checkout-' . (int)$payment->getId(),
            'RETURN_URL' => $returnUrl,
            'TEXT_OPEN' => Loc::getMessage('KASPI_CHECKOUT_OPEN_PAGE'),
            'TEXT_PAID' => Loc::getMessage('KASPI_CHECKOUT_PAID'),
            'TEXT_ORDER_PAGE' => Loc::getMessage('KASPI_CHECKOUT_ORDER_PAGE'),
            'TEXT_TITLE' => Loc::getMessage('KASPI_CHECKOUT_TITLE'),
        ];
        $message = function ($code, $log = null) use ($view) {
            if ($log !== null) {
                PaySystem\Logger::addError('Kaspi checkout: ' . $log);
            }
            return $view + ['MODE' => 'message', 'MESSAGE' => Loc::getMessage($code)];
        };

        if (!preg_match('#^https?://#i', $appUrl) || strlen($secret) < 16) {
            return $message('KASPI_CHECKOUT_NOT_CONFIGURED', 'app URL or shared secret is not set');
        }
        $currency = (string)$payment->getField('CURRENCY');
        if ($currency !== '' && $currency !== self::CURRENCY) {
            return $message('KASPI_CHECKOUT_WRONG_CURRENCY', 'payment currency is ' . $currency);
        }
        $amount = $this->wholeTenge($payment->getSum());
        if ($amount === null) {
            return $message('KASPI_CHECKOUT_WRONG_AMOUNT', 'payment sum is not whole tenge: ' . $payment->getSum());
        }

        $accountNumber = (string)($payment->getField('ACCOUNT_NUMBER') ?: $payment->getId());
        $order = [
            'externalId' => (string)$payment->getId(),
            'accountNumber' => $accountNumber,
            'amount' => $amount,
            'currency' => self::CURRENCY,
            'description' => self::cut((string)Loc::getMessage('KASPI_CHECKOUT_DESCRIPTION', ['#NUMBER#' => $accountNumber]), 500),
        ];
        $phone = $this->phoneOf($payment);
        if ($phone !== '') {
            $order['phone'] = $phone;
        }
        if ($returnUrl !== '') {
            $order['returnUrl'] = $returnUrl;
        }
        $lang = defined('LANGUAGE_ID') ? strtolower((string)LANGUAGE_ID) : '';
        if (in_array($lang, ['ru', 'kk', 'kz', 'en'], true)) {
            $order['lang'] = $lang;
        }

        $client = new AppClient($appUrl, $secret);
        $answer = $client->createOrder($order);
        if ($answer->status === 422 && $answer->errorCode() === 'INVALID_PHONE' && isset($order['phone'])) {
            // A phone Kaspi cannot use must not block the payment: the shopper types it in Kaspi.
            unset($order['phone']);
            $answer = $client->createOrder($order);
        }
        if ($answer->ok() && isset($answer->body['checkoutUrl'])
            && preg_match('#^https?://#i', (string)$answer->body['checkoutUrl'])) {
            $checkoutUrl = (string)$answer->body['checkoutUrl'];
            return $view + [
                'MODE' => 'iframe',
                'CHECKOUT_URL' => $checkoutUrl,
                'APP_ORIGIN' => $this->originOf($checkoutUrl),
            ];
        }
        if ($answer->status === 409 && $answer->errorCode() === 'ORDER_ALREADY_PAID') {
            return $message('KASPI_CHECKOUT_ALREADY_PAID');
        }
        if (!$answer->reachable() || $answer->status >= 500) {
            return $message('KASPI_CHECKOUT_UNAVAILABLE', 'the app is unreachable (HTTP ' . $answer->status . ')');
        }
        return $message(
            'KASPI_CHECKOUT_FAILED',
            'the app refused the order: HTTP ' . $answer->status . ' ' . $answer->errorCode() . ' ' . $answer->errorMessage()
        );
    }

    public function getPaymentIdFromRequest(Request $request)
    {
        $notification = $this->readNotification($request);
        if ($notification === null) {
            return null; // readNotification has answered 4xx; the sale module stops here
        }
        // If the sale module cannot load this payment it ends the request without calling
        // sendResponse: answer "not found" unless processRequest runs, so the app retries.
        $this->emitStatus(404);
        return (string)$notification['externalId'];
    }

    public function processRequest(Payment $payment, Request $request)
    {
        $result = new PaySystem\ServiceResult();
        $this->failure = null;
        $this->alreadyPaid = false;
        $notification = $this->notification !== null ? $this->notification : $this->readNotification($request);
        if ($notification === null) {
            return $this->fail($result, 401, 'INVALID_SIGNATURE', 'the notification is not signed by the app');
        }
        if ((string)$notification['externalId'] !== (string)$payment->getId()) {
            return $this->fail($result, 400, 'WRONG_PAYMENT', 'the notification is for another payment');
        }
        if ($payment->isPaid()) {
            $this->alreadyPaid = true; // a repeat: acknowledged, nothing changes
            return $result;
        }

        $client = new AppClient(
            (string)$this->getBusinessValue($payment, 'KASPI_CHECKOUT_APP_URL'),
            (string)$this->getBusinessValue($payment, 'KASPI_CHECKOUT_SHARED_SECRET')
        );
        // Never trust the notification's body alone: ask the app what it has recorded.
        $order = $client->getOrder((string)$payment->getId());
        if (!$order->reachable() || $order->status >= 500) {
            return $this->fail($result, 503, 'APP_UNAVAILABLE', 'the app could not be asked about the payment');
        }
        if (!$order->ok()) {
            return $this->fail($result, 502, 'APP_REFUSED', 'the app answered HTTP ' . $order->status . ' to the re-check');
        }
        $status = isset($order->body['status']) ? (string)$order->body['status'] : '';
        if ($status !== 'PAID') {
            return $this->fail($result, 409, 'NOT_PAID', 'the app reports the payment as ' . $status . ', not PAID');
        }
        $amount = isset($order->body['amount']) && is_int($order->body['amount']) ? $order->body['amount'] : null;
        if ($amount === null || $amount !== $this->wholeTenge($payment->getSum())) {
            return $this->fail($result, 409, 'AMOUNT_MISMATCH', 'the app recorded another amount than this payment');
        }

        $kaspiPaymentId = isset($order->body['kaspiPaymentId']) ? (string)$order->body['kaspiPaymentId'] : '';
        $result->setOperationType(PaySystem\ServiceResult::MONEY_COMING);
        $result->setPsData([
            'PS_STATUS' => 'Y',
            'PS_STATUS_CODE' => 'PAID',
            'PS_STATUS_DESCRIPTION' => 'Kaspi Pay ' . $kaspiPaymentId,
            'PS_STATUS_MESSAGE' => isset($order->body['paidAt']) ? (string)$order->body['paidAt'] : '',
            'PS_INVOICE_ID' => $kaspiPaymentId,
            'PS_SUM' => $amount,
            'PS_CURRENCY' => self::CURRENCY,
            'PS_RESPONSE_DATE' => new DateTime(),
        ]);
        return $result;
    }

    public function sendResponse(PaySystem\ServiceResult $result, Request $request)
    {
        if ($this->failure !== null || !$result->isSuccess()) {
            $failure = $this->failure !== null ? $this->failure : [500, 'INTERNAL'];
            $messages = $result->getErrorMessages();
            $this->emit($failure[0], ['error' => [
                'code' => $failure[1],
                'message' => $messages ? implode('; ', $messages) : 'not processed',
            ]]);
            return;
        }
        $this->emit(200, $this->alreadyPaid ? ['status' => 'OK', 'alreadyPaid' => true] : ['status' => 'OK']);
    }

    /** @return array<string, mixed>|null a signed payment.paid notification, or null after a 4xx */
    private function readNotification(Request $request)
    {
        $raw = $this->rawBody();
        $secret = (string)$this->getBusinessValue(null, 'KASPI_CHECKOUT_SHARED_SECRET');
        $check = Signature::verify(
            $secret,
            $this->header($request, 'X-Signature-Timestamp'),
            $this->header($request, 'X-Signature-Nonce'),
            $this->header($request, 'X-Signature'),
            (string)$this->serverValue($request, 'REQUEST_METHOD'),
            (string)$this->serverValue($request, 'REQUEST_URI'),
            $raw,
            self::SIGNATURE_TOLERANCE_SECONDS
        );
        if ($secret === '' || $check !== Signature::OK) {
            $this->emit(401, ['error' => [
                'code' => $secret === '' ? 'INVALID_SIGNATURE' : $check,
                'message' => 'the signature is missing, wrong or stale',
            ]]);
            return null;
        }
        $data = json_decode($raw, true);
        if (!is_array($data) || !isset($data['event']) || $data['event'] !== 'payment.paid'
            || !isset($data['externalId']) || !is_string($data['externalId']) || $data['externalId'] === '') {
            $this->emit(400, ['error' => ['code' => 'BAD_REQUEST', 'message' => 'not a payment.paid notification']]);
            return null;
        }
        $this->notification = $data;
        return $data;
    }

    private function fail(PaySystem\ServiceResult $result, $status, $code, $message)
    {
        $this->failure = [$status, $code];
        $result->addError(new Error($message, $code));
        return $result;
    }

    /** @return int|null the sum as whole tenge, or null when it has a fraction or is not positive */
    private function wholeTenge($sum)
    {
        $rounded = PriceMaths::roundPrecision($sum);
        $whole = (int)round($rounded);
        return ($whole > 0 && abs($rounded - $whole) < 0.001) ? $whole : null;
    }

    private function phoneOf(Payment $payment)
    {
        $order = $payment->getOrder();
        if (!$order) {
            return '';
        }
        $properties = $order->getPropertyCollection();
        $code = trim((string)$this->getBusinessValue($payment, 'KASPI_CHECKOUT_PHONE_PROPERTY'));
        $property = $code !== '' ? $properties->getItemByOrderPropertyCode($code) : $properties->getPhone();
        return $property ? self::cut(trim((string)$property->getValue()), 40) : '';
    }

    private function returnUrl(Payment $payment, Request $request)
    {
        $template = trim((string)$this->getBusinessValue($payment, 'KASPI_CHECKOUT_RETURN_URL'));
        $template = $template !== '' ? $template : self::DEFAULT_RETURN_URL;
        $order = $payment->getOrder();
        $url = strtr($template, [
            '#ORDER_ID#' => $order ? (string)$order->getId() : '',
            '#ACCOUNT_NUMBER#' => rawurlencode((string)($order ? $order->getField('ACCOUNT_NUMBER') : '')),
            '#PAYMENT_ID#' => (string)$payment->getId(),
        ]);
        if (strpos($url, '/') === 0 && $request instanceof HttpRequest && $request->getHttpHost() !== '') {
            $url = ($request->isHttps() ? 'https://' : 'http://') . $request->getHttpHost() . $url;
        }
        return preg_match('#^https?://[^\s]+$#i', $url) && strlen($url) <= 2000 ? $url : '';
    }

    /** The first $length characters of UTF-8 text (without depending on mbstring). */
    private static function cut($text, $length)
    {
        return preg_match('/^.{0,' . (int)$length . '}/su', $text, $m) ? $m[0] : substr($text, 0, $length);
    }

    private function originOf($url)
    {
        $parts = parse_url($url);
        $origin = $parts['scheme'] . '://' . $parts['host'];
        return isset($parts['port']) ? $origin . ':' . $parts['port'] : $origin;
    }

    private function header(Request $request, $name)
    {
        if (method_exists($request, 'getHeader')) {
            $value = $request->getHeader($name);
            if ($value !== null && $value !== '') {
                return (string)$value;
            }
        }
        $key = 'HTTP_' . strtoupper(str_replace('-', '_', $name));
        if (method_exists($request, 'getServer') && $request->getServer()->get($key) !== null) {
            return (string)$request->getServer()->get($key);
        }
        return isset($_SERVER[$key]) ? (string)$_SERVER[$key] : null;
    }

    /** A $_SERVER value (the signature covers REQUEST_METHOD and REQUEST_URI as sent). */
    private function serverValue(Request $request, $key)
    {
        if (method_exists($request, 'getServer') && $request->getServer()->get($key) !== null) {
            return (string)$request->getServer()->get($key);
        }
        return isset($_SERVER[$key]) ? (string)$_SERVER[$key] : null;
    }

    protected function rawBody()
    {
        $raw = method_exists(HttpRequest::class, 'getInput') ? HttpRequest::getInput() : file_get_contents('php://input');
        return is_string($raw) ? $raw : '';
    }

    /** Writes the whole answer to the app: an HTTP status and a JSON body. */
    protected function emit($status, array $body)
    {
        global $APPLICATION;
        if (is_object($APPLICATION) && method_exists($APPLICATION, 'RestartBuffer')) {
            $APPLICATION->RestartBuffer();
        }
        $this->emitStatus($status);
        if (!headers_sent()) {
            header('Content-Type: application/json; charset=utf-8');
        }
        echo json_encode($body, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
    }

    protected function emitStatus($status)
    {
        if (!headers_sent()) {
            http_response_code((int)$status);
        }
    }
}
