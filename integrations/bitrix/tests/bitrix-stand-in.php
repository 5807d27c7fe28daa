<?php
// A minimal stand-in of the 1C-Bitrix classes the Kaspi checkout handler touches, with the same
// class names, method names and signatures as the main and sale modules. It is NOT Bitrix: it
// only reproduces the documented behaviour the handler relies on, so the handler can run under
// php-cli (unit tests) and php -S (the cross-language test) without a Bitrix installation.

namespace Bitrix\Main\Localization {
    class Loc
    {
        /** @var array<string, string> */
        private static $messages = [];
        /** @var string */
        public static $language = 'ru';

        /** Bitrix loads <dir>/lang/<LANGUAGE_ID>/<file name> for a file <dir>/<file name>. */
        public static function loadMessages($file)
        {
            $path = dirname($file) . '/lang/' . self::$language . '/' . basename($file);
            if (is_file($path)) {
                $MESS = [];
                include $path;
                self::$messages = array_merge(self::$messages, $MESS);
            }
        }

        public static function getMessage($code, $replace = null, $language = null)
        {
            if (!isset(self::$messages[$code])) {
                return null; // Bitrix answers null (shown as empty) for an unknown code
            }
            $text = self::$messages[$code];
            if (is_array($replace)) {
                $text = strtr($text, $replace);
            }
            return $text;
        }

        /** Stand-in only: switch the language and forget loaded messages. */
        public static function reset($language)
        {
            self::$language = $language;
            self::$messages = [];
        }
    }
}

namespace Bitrix\Main {
    class Error
    {
        protected $message;
        protected $code;

        public function __construct($message, $code = 0, $customData = null)
        {
            $this->message = $message;
            $this->code = $code;
        }

        public function getMessage()
        {
            return $this->message;
        }

        public function getCode()
        {
            return $this->code;
        }
    }

    class Result
    {
        protected $isSuccess = true;
        /** @var Error[] */
        protected $errors = [];
        protected $data = [];

        public function isSuccess()
        {
            return $this->isSuccess;
        }

        public function addError(Error $error)
        {
            $this->isSuccess = false;
            $this->errors[] = $error;
            return $this;
        }

        public function addErrors(array $errors)
        {
            foreach ($errors as $error) {
                $this->addError($error);
            }
            return $this;
        }

        public function getErrors()
        {
            return $this->errors;
        }

        public function getErrorMessages()
        {
            return array_map(function (Error $e) {
                return $e->getMessage();
            }, $this->errors);
        }

        public function setData(array $data)
        {
            $this->data = $data;
            return $this;
        }

        public function getData()
        {
            return $this->data;
        }
    }

    class Server
    {
        private $values;

        public function __construct(array $values)
        {
            $this->values = $values;
        }

        public function get($name)
        {
            return isset($this->values[$name]) ? $this->values[$name] : null;
        }
    }

    class Request
    {
        protected $values;
        protected $server;

        public function __construct(array $values = [], array $server = [])
        {
            $this->values = $values;
            $this->server = new Server($server);
        }

        public function get($name)
        {
            return isset($this->values[$name]) ? $this->values[$name] : null;
        }

        public function toArray()
        {
            return $this->values;
        }

        public function getServer()
        {
            return $this->server;
        }
    }

    class HttpRequest extends Request
    {
        /** Stand-in only: the raw body the next getInput() returns under php-cli. */
        public static $testInput = null;

        public static function createFromGlobals()
        {
            return new self(array_merge($_GET, $_POST), $_SERVER);
        }

        public function getQuery($name)
        {
            return $this->get($name);
        }

        public function getPost($name)
        {
            return $this->get($name);
        }

        public function getHttpHost()
        {
            return (string)$this->server->get('HTTP_HOST');
        }

        public function isHttps()
        {
            $https = $this->server->get('HTTPS');
            return $https !== null && $https !== '' && strtolower((string)$https) !== 'off';
        }

        public function getRequestUri()
        {
            return (string)$this->server->get('REQUEST_URI');
        }

        public static function getInput()
        {
            return self::$testInput !== null ? self::$testInput : file_get_contents('php://input');
        }
    }

    class Context
    {
        private $request;

        public function __construct(HttpRequest $request)
        {
            $this->request = $request;
        }

        public function getRequest()
        {
            return $this->request;
        }
    }

    class Application
    {
        private static $instance;
        private $context;

        public static function getInstance()
        {
            if (!self::$instance) {
                self::$instance = new self();
            }
            return self::$instance;
        }

        public function getContext()
        {
            if (!$this->context) {
                $this->context = new Context(HttpRequest::createFromGlobals());
            }
            return $this->context;
        }

        /** Stand-in only. */
        public function setContext(Context $context)
        {
            $this->context = $context;
        }

        public static function getDocumentRoot()
        {
            return isset($_SERVER['DOCUMENT_ROOT']) ? $_SERVER['DOCUMENT_ROOT'] : getcwd();
        }
    }
}

namespace Bitrix\Main\Type {
    class DateTime
    {
        private $value;

        public function __construct($time = null, $format = null)
        {
            $this->value = new \DateTimeImmutable($time === null ? 'now' : $time);
        }

        public function toString()
        {
            return $this->value->format('d.m.Y H:i:s');
        }

        public function __toString()
        {
            return $this->toString();
        }
    }
}

namespace Bitrix\Main\Web {
    class HttpClient
    {
        /**
         * Stand-in only: when set, requests go to this callable instead of the network:
         * function (string $method, string $url, array $headers, string $body): array{0: int, 1: string}|false
         * @var callable|null
         */
        public static $transport = null;
        /** @var array<int, array> Stand-in only: every request made. */
        public static $log = [];

        private $options;
        private $headers = [];
        private $status = 0;
        private $result = '';
        private $error = [];

        public function __construct(array $options = null)
        {
            $this->options = $options ?: [];
        }

        public function setHeader($name, $value, $replace = true)
        {
            $this->headers[$name] = $value;
            return $this;
        }

        public function get($url)
        {
            return $this->query('GET', $url);
        }

        public function post($url, $postData = null, $multipart = false)
        {
            return $this->query('POST', $url, $postData);
        }

        public function query($method, $url, $entityBody = null)
        {
            $body = is_array($entityBody) ? http_build_query($entityBody) : (string)$entityBody;
            self::$log[] = ['method' => $method, 'url' => $url, 'headers' => $this->headers, 'body' => $body];
            $this->status = 0;
            $this->result = '';
            $this->error = [];
            if (self::$transport !== null) {
                $answer = call_user_func(self::$transport, $method, $url, $this->headers, $body);
            } else {
                $answer = $this->network($method, $url, $body);
            }
            if ($answer === false) {
                $this->error = ['NETWORK' => 'connection failed'];
                return false;
            }
            $this->status = (int)$answer[0];
            $this->result = (string)$answer[1];
            return $this->result;
        }

        private function network($method, $url, $body)
        {
            $lines = [];
            foreach ($this->headers as $name => $value) {
                $lines[] = $name . ': ' . $value;
            }
            $timeout = isset($this->options['socketTimeout']) ? (float)$this->options['socketTimeout'] : 30.0;
            $context = stream_context_create(['http' => [
                'method' => $method,
                'header' => implode("\r\n", $lines),
                'content' => $method === 'GET' ? '' : $body,
                'timeout' => $timeout,
                'ignore_errors' => true,
            ]]);
            $result = @file_get_contents($url, false, $context);
            if ($result === false || !isset($http_response_header[0])) {
                return false;
            }
            preg_match('#^HTTP/\S+\s+(\d{3})#', $http_response_header[0], $m);
            return [isset($m[1]) ? (int)$m[1] : 0, $result];
        }

        public function getStatus()
        {
            return $this->status;
        }

        public function getResult()
        {
            return $this->result;
        }

        public function getError()
        {
            return $this->error;
        }
    }
}

namespace Bitrix\Sale {
    class PriceMaths
    {
        public static function roundPrecision($value)
        {
            return round((float)$value, 2);
        }
    }

    class PropertyValue
    {
        private $fields;

        public function __construct(array $fields)
        {
            $this->fields = $fields;
        }

        public function getValue()
        {
            return isset($this->fields['VALUE']) ? $this->fields['VALUE'] : null;
        }

        public function getField($name)
        {
            return isset($this->fields[$name]) ? $this->fields[$name] : null;
        }
    }

    class PropertyValueCollection
    {
        /** @var PropertyValue[] */
        private $items = [];

        public function __construct(array $properties)
        {
            foreach ($properties as $code => $value) {
                $this->items[] = new PropertyValue([
                    'CODE' => $code,
                    'VALUE' => $value,
                    'IS_PHONE' => $code === 'PHONE' ? 'Y' : 'N',
                ]);
            }
        }

        public function getItemByOrderPropertyCode($propertyCode)
        {
            foreach ($this->items as $item) {
                if ($item->getField('CODE') === $propertyCode) {
                    return $item;
                }
            }
            return null;
        }

        public function getPhone()
        {
            foreach ($this->items as $item) {
                if ($item->getField('IS_PHONE') === 'Y') {
                    return $item;
                }
            }
            return null;
        }
    }

    class Order
    {
        private $fields;
        private $properties;
        /** @var callable|null Stand-in only: called by save(). */
        public $onSave = null;

        public function __construct(array $fields, array $properties = [])
        {
            $this->fields = $fields;
            $this->properties = new PropertyValueCollection($properties);
        }

        public function getId()
        {
            return (int)$this->fields['ID'];
        }

        public function getField($name)
        {
            return isset($this->fields[$name]) ? $this->fields[$name] : null;
        }

        public function getCurrency()
        {
            return $this->getField('CURRENCY');
        }

        public function getSiteId()
        {
            return $this->getField('LID');
        }

        public function getPropertyCollection()
        {
            return $this->properties;
        }

        public function save()
        {
            if ($this->onSave) {
                call_user_func($this->onSave, $this);
            }
            return new \Bitrix\Main\Result();
        }
    }

    class Payment
    {
        private $fields;
        private $order;
        /** Stand-in only: how many times setPaid('Y') turned the payment paid. */
        public $paidTransitions = 0;

        public function __construct(array $fields, Order $order)
        {
            $this->fields = $fields + ['PAID' => 'N'];
            $this->order = $order;
        }

        public function getId()
        {
            return (int)$this->fields['ID'];
        }

        public function getField($name)
        {
            return isset($this->fields[$name]) ? $this->fields[$name] : null;
        }

        public function getFieldValues()
        {
            return $this->fields;
        }

        public function getSum()
        {
            return (float)$this->fields['SUM'];
        }

        public function isPaid()
        {
            return $this->fields['PAID'] === 'Y';
        }

        public function getPaymentSystemId()
        {
            return (int)$this->getField('PAY_SYSTEM_ID');
        }

        public function getOrder()
        {
            return $this->order;
        }

        public function getOrderId()
        {
            return $this->order->getId();
        }

        /** Like Bitrix: setting the status it already has changes nothing. */
        public function setPaid($value)
        {
            if ($this->fields['PAID'] !== $value) {
                $this->fields['PAID'] = $value;
                if ($value === 'Y') {
                    $this->paidTransitions++;
                    $this->fields['DATE_PAID'] = (string)new \Bitrix\Main\Type\DateTime();
                }
            }
            return new \Bitrix\Main\Result();
        }

        public function setFields(array $values)
        {
            foreach ($values as $name => $value) {
                $this->fields[$name] = is_object($value) ? (string)$value : $value;
            }
            return new \Bitrix\Main\Result();
        }
    }
}

namespace Bitrix\Sale\PaySystem {
    use Bitrix\Main\Request;
    use Bitrix\Sale\Payment;

    class ServiceResult extends \Bitrix\Main\Result
    {
        const MONEY_COMING = 'M';
        const MONEY_LEAVING = 'L';

        protected $operationType;
        protected $psData = [];
        protected $template = '';

        public function setOperationType($operationType)
        {
            $this->operationType = $operationType;
        }

        public function getOperationType()
        {
            return $this->operationType;
        }

        public function setPsData($psData)
        {
            $this->psData = $psData;
        }

        public function getPsData()
        {
            return $this->psData;
        }

        public function setTemplate($template)
        {
            $this->template = $template;
        }

        public function getTemplate()
        {
            return $this->template;
        }
    }

    class Logger
    {
        /** @var string[] */
        public static $errors = [];

        public static function addError($error)
        {
            self::$errors[] = (string)$error;
        }

        public static function addDebugInfo($debugInfo)
        {
        }
    }

    /** What a pay system (b_sale_pay_system_action row + business values) gives its handler. */
    class Service
    {
        private $fields;
        private $businessValues;
        private $handler;

        public function __construct(array $fields, array $businessValues = [])
        {
            $this->fields = $fields;
            $this->businessValues = $businessValues;
        }

        public function getField($name)
        {
            return isset($this->fields[$name]) ? $this->fields[$name] : null;
        }

        /** Stand-in only: the business value of a setting code, as BusinessValue::get gives it. */
        public function getBusinessValueOf($code)
        {
            return isset($this->businessValues[$code]) ? $this->businessValues[$code] : null;
        }

        public function setHandler(ServiceHandler $handler)
        {
            $this->handler = $handler;
        }

        public function initiatePay(Payment $payment, Request $request = null, $mode = BaseServiceHandler::STREAM)
        {
            $this->handler->setInitiateMode($mode);
            return $this->handler->initiatePay($payment, $request);
        }

        /**
         * What \Bitrix\Sale\PaySystem\Service::processRequest does for a notification: find the
         * payment by the handler's id, let the handler check the request, apply MONEY_COMING as
         * setPaid('Y') plus the PS_* fields, save the order, then let the handler answer.
         * $findPayment: function (string|int $id): ?Payment (Manager::getIdsByPayment + Order::load).
         */
        public function processRequest(Request $request, callable $findPayment)
        {
            $result = new \Bitrix\Main\Result();
            $paymentId = $this->handler->getPaymentIdFromRequest($request);
            if (empty($paymentId)) {
                $result->addError(new \Bitrix\Main\Error('payment id is not found in the request'));
                Logger::addError('payment id is not found in the request');
                return $result;
            }
            $payment = call_user_func($findPayment, $paymentId);
            if (!$payment) {
                $result->addError(new \Bitrix\Main\Error('payment ' . $paymentId . ' is not found'));
                Logger::addError('payment ' . $paymentId . ' is not found');
                return $result;
            }
            $serviceResult = $this->handler->processRequest($payment, $request);
            if ($serviceResult->isSuccess()) {
                $psData = $serviceResult->getPsData();
                if ($psData) {
                    $payment->setFields($psData);
                }
                $operationType = $serviceResult->getOperationType();
                if ($operationType === ServiceResult::MONEY_COMING) {
                    $payment->setPaid('Y');
                } elseif ($operationType === ServiceResult::MONEY_LEAVING) {
                    $payment->setPaid('N');
                }
                $payment->getOrder()->save();
            } else {
                $result->addErrors($serviceResult->getErrors());
                Logger::addError(implode('; ', $serviceResult->getErrorMessages()));
            }
            $this->handler->sendResponse($serviceResult, $request);
            return $result;
        }
    }

    abstract class BaseServiceHandler
    {
        const STREAM = 1;
        const STRING = 2;

        protected $handlerType = '';
        /** @var Service */
        protected $service;
        protected $extraParams = [];
        protected $initiateMode = self::STREAM;

        public function __construct($type, Service $service)
        {
            $this->handlerType = $type;
            $this->service = $service;
        }

        abstract public function initiatePay(Payment $payment, Request $request = null);

        abstract public function getCurrencyList();

        public function setInitiateMode($mode)
        {
            $this->initiateMode = $mode;
        }

        public function setExtraParams(array $values)
        {
            $this->extraParams = $values;
        }

        public function getExtraParams()
        {
            return $this->extraParams;
        }

        protected function getBusinessValue(Payment $payment = null, $code)
        {
            return $this->service->getBusinessValueOf($code);
        }

        /** Renders <handler dir>/template/<name>.php with $params, like the sale module does. */
        protected function showTemplate(Payment $payment = null, $template = '')
        {
            $result = new ServiceResult();
            // The template folder sits next to the handler class's file (subclasses included).
            $reflection = new \ReflectionClass($this);
            $path = '';
            while ($reflection && !is_file($path)) {
                $path = dirname($reflection->getFileName()) . '/template/' . $template . '.php';
                $reflection = $reflection->getParentClass();
            }
            if (!is_file($path)) {
                $result->addError(new \Bitrix\Main\Error('template not found'));
                return $result;
            }
            $params = $this->extraParams;
            if ($this->initiateMode === self::STREAM) {
                require $path;
            } else {
                ob_start();
                require $path;
                $result->setTemplate(ob_get_clean());
            }
            return $result;
        }
    }

    abstract class ServiceHandler extends BaseServiceHandler
    {
        abstract public function processRequest(Payment $payment, Request $request);

        public function getPaymentIdFromRequest(Request $request)
        {
            return $request->get('PAYMENT_ID');
        }

        public static function getIndicativeFields()
        {
            return [];
        }

        /** Manager::searchByRequest asks every active pay system's handler class this. */
        public static function isMyResponse(Request $request, $paySystemId)
        {
            $fields = static::getIndicativeFields();
            foreach ($fields as $key => $value) {
                if (is_int($key)) {
                    if ($request->get($value) === null) {
                        return false;
                    }
                } elseif ($request->get($key) !== $value) {
                    return false;
                }
            }
            return static::isMyResponseExtended($request, $paySystemId);
        }

        protected static function isMyResponseExtended(Request $request, $paySystemId)
        {
            return true;
        }

        public function sendResponse(ServiceResult $result, Request $request)
        {
        }
    }
}
