<?php
// Kaspi Pay checkout — payment handler for the 1C-Bitrix sale module (PHP 7.4+).
// Install: copy this folder to /local/php_interface/include/sale_payment/kaspicheckout/.
//
// initiatePay      sends the order to the Kaspi checkout app (signed POST /api/orders), shows the
//                  app's checkout page in an iframe with a fallback link, and stores the app's
//                  order id as PS_INVOICE_ID and the checkout as the payment URL.
// processRequest   accepts the app's signed payment.paid / payment.refunded notifications, each
//                  signature once (its nonce is kept in the site's database, lib/NonceStore.php),
//                  re-checks the order with a signed GET /api/orders/{externalId}, and returns
//                  MONEY_COMING (paid) or MONEY_LEAVING (fully refunded) with PS_* fields.
// refund           (IRefund) Bitrix's "return to the payment system": the app refunds through Kaspi.
//
// What the app hears back (the outbox retries everything but the final answers):
//   200 applied or already applied      503 try again later (app unreachable, not applied)
//   410 ORDER_CANCELLED (final)         422 SANDBOX_REFUSED (final)
//   401/400/409/502 a real problem: the sale module marks the payment (MARKED = Y).
//   401 before any payment is loaded (nothing marked): a missing, wrong or stale signature, or a
//   repeat of a signature already accepted (REPLAYED_SIGNATURE). The app's outbox signs every
//   attempt afresh (new nonce and timestamp, lib/bitrix-onprem/signed-post-transport.ts), so its
//   own retries are never repeats: only a captured request sent again is refused.

namespace Sale\Handlers\PaySystem;

use Bitrix\Main\Application;
use Bitrix\Main\Error;
use Bitrix\Main\HttpRequest;
use Bitrix\Main\Localization\Loc;
use Bitrix\Main\Request;
use Bitrix\Main\Type\DateTime;
use Bitrix\Sale\Order;
use Bitrix\Sale\Payment;
use Bitrix\Sale\PaySystem;
use Bitrix\Sale\PriceMaths;
use Sale\Handlers\PaySystem\KaspiCheckout\AppClient;
use Sale\Handlers\PaySystem\KaspiCheckout\AppResponse;
use Sale\Handlers\PaySystem\KaspiCheckout\NonceStore;
use Sale\Handlers\PaySystem\KaspiCheckout\Signature;

require_once __DIR__ . '/lib/Signature.php';
require_once __DIR__ . '/lib/AppClient.php';
require_once __DIR__ . '/lib/NonceStore.php';

Loc::loadMessages(__FILE__);

class KaspiCheckoutHandler extends PaySystem\ServiceHandler implements PaySystem\IRefund
{
    const CURRENCY = 'KZT';
    const SIGNATURE_TOLERANCE_SECONDS = 300;
    const DEFAULT_RETURN_URL = '/personal/order/detail/#ACCOUNT_NUMBER#/';
    /** The query parameter that tells /bitrix/tools/sale_ps_result.php the request is ours. */
    const INDICATIVE_FIELD = 'kaspi_checkout';
    /** Below the app's 32 KB body limit (MAX_BODY_BYTES in lib/http/responses.ts). */
    const MAX_ORDER_BYTES = 30000;
    /** PS_STATUS_DESCRIPTION is varchar(250) in older sale modules (512 in newer: install/db/mysql/install.sql). */
    const STATUS_DESCRIPTION_LENGTH = 250;

    /** @var array<string, mixed>|null the notification whose signature was checked */
    private $notification = null;
    /** @var array{0: int, 1: string}|null HTTP status and error code of a failed processRequest */
    private $failure = null;
    /**
     * @var array{0: int, 1: array}|null an answer that is not an error of the payment: "try again
     * later", "sandbox refused", "already done". The sale module marks a payment (MARKED = Y)
     * whenever processRequest returns errors (Service::processRequest → PaymentMarker), so those
     * are kept for real problems.
     */
    private $answer = null;

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
        $result = $this->showTemplate($payment, 'template');
        if ($view['MODE'] === 'iframe') {
            // Like Bitrix's own handlers (RestHandler::initiateCheckoutPay): the provider's id of the
            // payment in PS_INVOICE_ID (our order id until the Kaspi payment id replaces it) and
            // the page to pay on as the payment URL (shown in links and QR codes by the sale module).
            $result->setPsData(['PS_INVOICE_ID' => $view['APP_ORDER_ID']]);
            if (method_exists($result, 'setPaymentUrl')) {
                $result->setPaymentUrl($view['CHECKOUT_URL']);
            }
        }
        return $result;
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
        // The lines for the fiscal receipt (the app refuses lines that do not add up: then none).
        $items = $this->receiptLines($payment, $amount);
        if ($items !== null) {
            $order['items'] = $items;
        }
        $email = $this->emailOf($payment);
        if ($email !== '') {
            $order['customer'] = ['email' => $email];
        }
        if (strlen((string)json_encode($order, JSON_UNESCAPED_UNICODE)) > self::MAX_ORDER_BYTES) {
            // A basket too long for the app's body limit: the receipt gets one line for the order.
            unset($order['items']);
        }
        if ($returnUrl !== '') {
            $order['returnUrl'] = $returnUrl;
        }
        $lang = defined('LANGUAGE_ID') ? strtolower((string)LANGUAGE_ID) : '';
        if (in_array($lang, ['ru', 'kk', 'kz', 'en'], true)) {
            $order['lang'] = $lang;
        }

        $client = new AppClient($appUrl, $secret, 10, $this->storeId($payment));
        $answer = $client->createOrder($order);
        if ($answer->status === 422 && $answer->errorCode() === 'INVALID_PHONE' && isset($order['phone'])) {
            // A phone Kaspi cannot use must not block the payment: the shopper types it in Kaspi.
            unset($order['phone']);
            $answer = $client->createOrder($order);
        }
        if (($answer->status === 400 && $answer->errorCode() === 'INVALID_ITEMS' && isset($order['items']))
            || ($answer->status === 422 && isset($order['customer']))) {
            // Lines or an address the app cannot take must not block the payment either: it is
            // sent without them (the receipt then has one line for the order), and logged.
            PaySystem\Logger::addError('Kaspi checkout: the app refused the receipt details: ' . $answer->errorCode() . ' ' . $answer->errorMessage());
            unset($order['items'], $order['customer']);
            $answer = $client->createOrder($order);
        }
        if ($answer->ok() && isset($answer->body['checkoutUrl'])
            && preg_match('#^https?://#i', (string)$answer->body['checkoutUrl'])) {
            $checkoutUrl = (string)$answer->body['checkoutUrl'];
            return $view + [
                'MODE' => 'iframe',
                'CHECKOUT_URL' => $checkoutUrl,
                'APP_ORIGIN' => $this->originOf($checkoutUrl),
                'APP_ORDER_ID' => isset($answer->body['orderId']) ? (string)$answer->body['orderId'] : '',
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
        $this->notification = null;
        $raw = $this->rawBody();
        $data = json_decode($raw, true);
        $externalId = is_array($data) && isset($data['externalId']) && is_string($data['externalId']) ? $data['externalId'] : '';
        // The settings (secret included) of the payment's own pay system and person type.
        $payment = ctype_digit($externalId) ? $this->findPayment($externalId) : null;
        $secret = (string)$this->getBusinessValue($payment, 'KASPI_CHECKOUT_SHARED_SECRET');
        $check = $this->checkSignature($secret, $request, $raw);
        if ($secret === '' || $check !== Signature::OK) {
            $this->emit(401, ['error' => [
                'code' => $secret === '' ? 'INVALID_SIGNATURE' : $check,
                'message' => 'the signature is missing, wrong or stale',
            ]]);
            return null;
        }
        // A valid signature proves the app sent this request; its nonce makes it count once. Only
        // claimed after the HMAC matched, so nobody without the secret can fill the table.
        try {
            $fresh = $this->nonceStore()->claim(
                $this->header($request, 'X-Signature-Nonce'),
                $this->header($request, 'X-Signature-Timestamp'),
                self::SIGNATURE_TOLERANCE_SECONDS
            );
        } catch (\Exception $e) {
            // Fail closed: without the store a replay could not be told apart. Nothing is applied;
            // the app retries (a 503 is not final for it) with a freshly signed request.
            PaySystem\Logger::addError('Kaspi checkout: the notification nonce could not be recorded: ' . $e->getMessage());
            $this->emit(503, ['error' => [
                'code' => 'NONCE_STORE_UNAVAILABLE',
                'message' => 'Bitrix could not record the notification; try again later',
            ]]);
            return null;
        }
        if (!$fresh) {
            $this->emit(401, ['error' => [
                'code' => Signature::REPLAYED,
                'message' => 'this signature nonce was already used',
            ]]);
            return null;
        }
        if (!isset($data['event']) || !in_array($data['event'], ['payment.paid', 'payment.refunded'], true) || $externalId === '') {
            $this->emit(400, ['error' => ['code' => 'BAD_REQUEST', 'message' => 'not a payment notification']]);
            return null;
        }
        $this->notification = $data;
        if ($payment && $payment->getOrder() && $payment->getOrder()->isCanceled()) {
            // The sale module refuses a cancelled order's payment without calling sendResponse
            // (Service::processRequest): this is the answer the app gets, and it is final.
            $this->emit(410, ['error' => [
                'code' => 'ORDER_CANCELLED',
                'message' => 'the order of this payment is cancelled in Bitrix: refund the shopper',
            ]]);
        } else {
            // If the sale module cannot load this payment it ends the request without calling
            // sendResponse: answer "not found" unless processRequest runs, so the app retries.
            $this->emitStatus(404);
        }
        return $externalId;
    }

    public function processRequest(Payment $payment, Request $request)
    {
        $result = new PaySystem\ServiceResult();
        $this->failure = null;
        $this->answer = null;
        $notification = $this->notification;
        if ($notification === null) {
            return $this->fail($result, 401, 'INVALID_SIGNATURE', 'the notification is not signed by the app');
        }
        if ((string)$notification['externalId'] !== (string)$payment->getId()) {
            return $this->fail($result, 400, 'WRONG_PAYMENT', 'the notification is for another payment');
        }
        if ($this->refusesSandbox($payment, $notification)) {
            return $this->sandboxRefused($result);
        }
        $refund = $notification['event'] === 'payment.refunded';
        if (!$refund && $payment->isPaid()) {
            $this->answer = [200, ['status' => 'OK', 'alreadyPaid' => true]]; // a repeat: nothing changes
            return $result;
        }
        if ($refund && !$payment->isPaid() && $payment->isReturn()) {
            $this->answer = [200, ['status' => 'OK', 'alreadyRefunded' => true]];
            return $result;
        }

        // Never trust the notification's body alone: ask the app what it has recorded.
        $order = $this->appClient($payment)->getOrder((string)$payment->getId());
        if (!$order->reachable() || $order->status >= 500) {
            $this->answer = [503, ['error' => ['code' => 'APP_UNAVAILABLE', 'message' => 'the app could not be asked; try again later']]];
            return $result;
        }
        if (!$order->ok()) {
            return $this->fail($result, 502, 'APP_REFUSED', 'the app answered HTTP ' . $order->status . ' to the re-check');
        }
        if ($this->refusesSandbox($payment, $order->body)) {
            return $this->sandboxRefused($result);
        }
        $amount = isset($order->body['amount']) && is_int($order->body['amount']) ? $order->body['amount'] : null;
        if ($amount === null || $amount !== $this->wholeTenge($payment->getSum())) {
            return $this->fail($result, 409, 'AMOUNT_MISMATCH', 'the app recorded another amount than this payment');
        }
        $status = isset($order->body['status']) ? (string)$order->body['status'] : '';
        $kaspiPaymentId = isset($order->body['kaspiPaymentId']) ? (string)$order->body['kaspiPaymentId'] : '';
        return $refund
            ? $this->applyRefund($result, $payment, $notification, $status, $order->body)
            : $this->applyPaid($result, $payment, $order->body + $notification, $status, $amount, $kaspiPaymentId);
    }

    private function applyPaid(PaySystem\ServiceResult $result, Payment $payment, array $order, $status, $amount, $kaspiPaymentId)
    {
        if ($status !== 'PAID') {
            return $this->fail($result, 409, 'NOT_PAID', 'the app reports the payment as ' . $status . ', not PAID');
        }
        // The store's "change the payment status on payment" setting, as Bitrix's own handlers
        // read it (handlers/paysystem/*: setOperationType(MONEY_COMING) only when it is Y).
        if ($this->getBusinessValue($payment, 'PS_CHANGE_STATUS_PAY') !== 'N') {
            $result->setOperationType(PaySystem\ServiceResult::MONEY_COMING);
        }
        $result->setPsData([
            'PS_STATUS' => 'Y',
            'PS_STATUS_CODE' => 'PAID',
            'PS_STATUS_DESCRIPTION' => $this->withReceipt('Kaspi Pay ' . $kaspiPaymentId, $this->receiptUrlOf($order)),
            'PS_STATUS_MESSAGE' => isset($order['paidAt']) ? (string)$order['paidAt'] : '',
            'PS_INVOICE_ID' => $kaspiPaymentId,
            'PS_SUM' => $amount,
            'PS_CURRENCY' => self::CURRENCY,
            'PS_RESPONSE_DATE' => new DateTime(),
        ]);
        return $result;
    }

    /** A refund made in the app: a full one returns the payment (IS_RETURN = P, unpaid); a partial one is recorded. */
    private function applyRefund(PaySystem\ServiceResult $result, Payment $payment, array $notification, $status, array $order)
    {
        if ($status !== 'REFUNDED' && $status !== 'PARTIALLY_REFUNDED') {
            return $this->fail($result, 409, 'NOT_REFUNDED', 'the app reports the payment as ' . $status . ', not refunded');
        }
        $refunded = isset($notification['refundedTotal']) && is_int($notification['refundedTotal']) ? $notification['refundedTotal'] : 0;
        // The app has recorded more refunded than this notification says: it is an older one (the
        // app's outbox signs every retry afresh, so a late retry passes the nonce check). The newer
        // notification carries the current totals; this one is acknowledged and changes nothing.
        $recorded = isset($order['refundedAmount']) && is_int($order['refundedAmount']) ? $order['refundedAmount'] : null;
        if ($recorded !== null && $refunded < $recorded) {
            $this->answer = [200, ['status' => 'OK', 'superseded' => true]];
            return $result;
        }
        $text = $this->withReceipt(
            'Kaspi refund ' . $refunded . ' KZT of ' . $this->wholeTenge($payment->getSum()) . ' KZT'
            . (isset($notification['refundId']) ? ' (' . self::cut((string)$notification['refundId'], 60) . ')' : ''),
            $this->receiptUrlOf($notification)
        );
        if ($status === 'REFUNDED') {
            $result->setOperationType(PaySystem\ServiceResult::MONEY_LEAVING);
        }
        $result->setPsData([
            'PS_STATUS_CODE' => $status,
            'PS_STATUS_DESCRIPTION' => $text,
            'PAY_RETURN_COMMENT' => $text,
            'PS_RESPONSE_DATE' => new DateTime(),
        ]);
        return $result;
    }

    /**
     * IRefund: the admin's "return to the payment system" (Payment::setReturn('P') → Service::refund).
     * Only MONEY_LEAVING makes Bitrix mark the payment returned; every refusal reaches the manager
     * as an error message, in the admin's language.
     */
    public function refund(Payment $payment, $refundableSum)
    {
        $result = new PaySystem\ServiceResult();
        $amount = $this->wholeTenge($refundableSum);
        if ($amount === null) {
            $result->addError(new Error(Loc::getMessage('KASPI_CHECKOUT_REFUND_WRONG_AMOUNT')));
            return $result;
        }
        // One refundId per Bitrix payment: pressing "return" again asks about the same refund.
        $refundId = 'bitrix-' . (int)$payment->getId() . '-' . $amount;
        $answer = $this->appClient($payment)->refund((string)$payment->getId(), $amount, $refundId);
        $status = isset($answer->body['status']) ? (string)$answer->body['status'] : '';
        if ($answer->ok() && $status === 'SUCCEEDED') {
            $result->setOperationType(PaySystem\ServiceResult::MONEY_LEAVING);
            $result->setPsData([
                'PS_STATUS_CODE' => 'REFUNDED',
                'PS_STATUS_DESCRIPTION' => 'Kaspi refund ' . $amount . ' KZT (' . $refundId . ')',
                'PS_RESPONSE_DATE' => new DateTime(),
            ]);
            return $result;
        }
        if ($answer->ok()) {
            $code = $status === 'PENDING' ? 'KASPI_CHECKOUT_REFUND_PENDING' : 'KASPI_CHECKOUT_REFUND_REFUSED';
        } elseif (!$answer->reachable() || $answer->status >= 500) {
            $code = 'KASPI_CHECKOUT_REFUND_UNAVAILABLE';
        } elseif ($answer->errorCode() === 'REFUND_UNSUPPORTED') {
            $code = 'KASPI_CHECKOUT_REFUND_UNSUPPORTED';
        } else {
            $code = 'KASPI_CHECKOUT_REFUND_FAILED';
        }
        $detail = $answer->errorMessage() !== '' ? $answer->errorMessage() : (isset($answer->body['message']) ? (string)$answer->body['message'] : '');
        PaySystem\Logger::addError('Kaspi checkout: refund of payment ' . $payment->getId() . ': HTTP ' . $answer->status . ' ' . $answer->errorCode() . ' ' . $status . ' ' . $detail);
        $result->addError(new Error((string)Loc::getMessage($code, ['#DETAIL#' => $detail]), $code));
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
        if ($this->answer !== null) {
            $this->emit($this->answer[0], $this->answer[1]);
            return;
        }
        if (!$result->isResultApplied()) {
            // setPaid or the order's save failed after a successful check (Service::processRequest
            // sets setResultApplied(false)): the payment is not applied, so the app must try again.
            $this->emit(503, ['error' => ['code' => 'NOT_APPLIED', 'message' => 'Bitrix could not apply the payment; try again later']]);
            return;
        }
        $this->emit(200, ['status' => 'OK']);
    }

    /** @return bool whether this is a sandbox payment and the store does not accept those */
    private function refusesSandbox(Payment $payment, array $data)
    {
        return isset($data['mode']) && $data['mode'] === 'sandbox'
            && $this->getBusinessValue($payment, 'KASPI_CHECKOUT_ACCEPT_SANDBOX') !== 'Y';
    }

    private function sandboxRefused(PaySystem\ServiceResult $result)
    {
        $this->answer = [422, ['error' => [
            'code' => 'SANDBOX_REFUSED',
            'message' => 'this store does not accept sandbox payments ("Accept sandbox payments" is off)',
        ]]];
        return $result;
    }

    private function checkSignature($secret, Request $request, $raw)
    {
        // The signature binds the method and the request URI exactly as sent (Signature.php).
        return Signature::verify(
            $secret,
            $this->header($request, 'X-Signature-Timestamp'),
            $this->header($request, 'X-Signature-Nonce'),
            $this->header($request, 'X-Signature'),
            (string)$this->serverValue($request, 'REQUEST_METHOD'),
            (string)$this->serverValue($request, 'REQUEST_URI'),
            $raw,
            self::SIGNATURE_TOLERANCE_SECONDS
        );
    }

    /** The seen nonces, in the site's own database (Application::getConnection(): modules/main/lib/application.php). */
    protected function nonceStore()
    {
        return new NonceStore(Application::getConnection());
    }

    /** The payment a notification names, loaded the way the sale module will load it. */
    protected function findPayment($paymentId)
    {
        list($orderId, $id) = PaySystem\Manager::getIdsByPayment($paymentId, $this->service->getField('ENTITY_REGISTRY_TYPE'));
        $order = $orderId ? Order::load($orderId) : null;
        return $order ? $order->getPaymentCollection()->getItemById($id) : null;
    }

    private function appClient(Payment $payment)
    {
        return new AppClient(
            (string)$this->getBusinessValue($payment, 'KASPI_CHECKOUT_APP_URL'),
            (string)$this->getBusinessValue($payment, 'KASPI_CHECKOUT_SHARED_SECRET'),
            10,
            $this->storeId($payment)
        );
    }

    /** The app's store this site is ("Store id"), '' for the app's default store. */
    private function storeId(Payment $payment)
    {
        return trim((string)$this->getBusinessValue($payment, 'KASPI_CHECKOUT_STORE_ID'));
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

    /**
     * The order's lines as the app takes them ({name, quantity, price, vatRate}), read the way
     * Bitrix's own cash register code reads them (sale/lib/cashbox/check.php: the basket line's NAME,
     * getPriceWithVat(), getQuantity() and getVatRate(); a delivery line when the shipment's
     * getPrice() is above 0). null when they cannot make a receipt of exactly this payment: a
     * payment of part of the order, a price with tiyn, a VAT rate other than none, 0 or 16 %.
     *
     * @return array<int, array{name: string, quantity: float|int, price: int, vatRate: int|null}>|null
     */
    private function receiptLines(Payment $payment, $amount)
    {
        $order = $payment->getOrder();
        if (!$order || !method_exists($order, 'getBasket')) {
            return null;
        }
        $lines = [];
        foreach ($order->getBasket()->getOrderableItems() as $item) {
            $price = $this->wholeTenge($item->getPriceWithVat());
            $quantity = round((float)$item->getQuantity(), 3);
            $vat = $this->vatPercent($item->getVatRate());
            if ($price === null || $quantity <= 0 || $vat === false) {
                return null;
            }
            $lines[] = ['name' => self::cut((string)$item->getField('NAME'), 255), 'quantity' => $quantity, 'price' => $price, 'vatRate' => $vat];
        }
        $deliveryVat = $this->vatPercent($this->deliveryVatSetting($payment));
        foreach ($this->deliveries($order) as $shipment) {
            $price = (float)$shipment->getPrice();
            if ($price <= 0) {
                continue;
            }
            $whole = $this->wholeTenge($price);
            if ($whole === null || $deliveryVat === false) {
                return null;
            }
            $lines[] = ['name' => (string)Loc::getMessage('KASPI_CHECKOUT_DELIVERY'), 'quantity' => 1, 'price' => $whole, 'vatRate' => $deliveryVat];
        }
        $total = 0;
        foreach ($lines as $line) {
            $total += (int)round($line['quantity'] * 1000) * $line['price'];
        }
        if (!$lines || $total !== $amount * 1000) {
            return null; // part of the order, or discounts the lines do not show: one line for the order
        }
        return $lines;
    }

    /** @return array the order's shipments other than the system one */
    private function deliveries($order)
    {
        if (!method_exists($order, 'getShipmentCollection')) {
            return [];
        }
        $collection = $order->getShipmentCollection();
        if (method_exists($collection, 'getNotSystemItems')) {
            return $collection->getNotSystemItems();
        }
        $list = [];
        foreach ($collection as $shipment) {
            if (!$shipment->isSystem()) {
                $list[] = $shipment;
            }
        }
        return $list;
    }

    /** The handler setting "VAT rate of delivery": '' (no VAT), '0' or '16', as a fraction like getVatRate(). */
    private function deliveryVatSetting(Payment $payment)
    {
        $value = trim((string)$this->getBusinessValue($payment, 'KASPI_CHECKOUT_DELIVERY_VAT'));
        return $value === '' ? null : ((float)$value) / 100;
    }

    /** Bitrix's VAT rate (a fraction: 0.16; null = no VAT) as the app's vatRate, or false for another rate. */
    private function vatPercent($rate)
    {
        if ($rate === null || $rate === '') {
            return null;
        }
        $percent = (int)round((float)$rate * 100);
        return abs((float)$rate * 100 - $percent) < 0.001 && in_array($percent, [0, 16], true) ? $percent : false;
    }

    /** The buyer's e-mail (the order property marked "e-mail", as Cashbox\Check reads it). */
    private function emailOf(Payment $payment)
    {
        $order = $payment->getOrder();
        if (!$order) {
            return '';
        }
        $properties = $order->getPropertyCollection();
        $property = method_exists($properties, 'getUserEmail') ? $properties->getUserEmail() : null;
        $email = $property ? trim((string)$property->getValue()) : '';
        return filter_var($email, FILTER_VALIDATE_EMAIL) && strlen($email) <= 254 ? $email : '';
    }

    /** The fiscal receipt's link the app sent (re-check answer or signed notification), if it is a web address. */
    private function receiptUrlOf(array $data)
    {
        $url = isset($data['receiptUrl']) && is_string($data['receiptUrl']) ? $data['receiptUrl'] : '';
        return preg_match('#^https?://[^\s]+$#i', $url) && strlen($url) <= 2000 ? $url : '';
    }

    /** "Kaspi Pay 123; receipt https://…" within the column's length (the link is kept whole or left out). */
    private function withReceipt($text, $receiptUrl)
    {
        $text = self::cut($text, self::STATUS_DESCRIPTION_LENGTH);
        if ($receiptUrl === '') {
            return $text;
        }
        $with = $text . '; ' . Loc::getMessage('KASPI_CHECKOUT_RECEIPT') . ' ' . $receiptUrl;
        return preg_match_all('/./su', $with) <= self::STATUS_DESCRIPTION_LENGTH ? $with : $text;
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
