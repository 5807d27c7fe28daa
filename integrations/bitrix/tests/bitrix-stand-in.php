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
    /** main/lib/systemexception.php: the base of Bitrix's exceptions ($message, $code, $file, $line, $previous). */
    class SystemException extends \Exception
    {
        public function __construct($message = '', $code = 0, $file = '', $line = 0, \Throwable $previous = null)
        {
            parent::__construct($message, $code, $previous);
        }
    }

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
        /** @var DB\Connection|null Stand-in only: the site's database (one connection, like 'default'). */
        private static $connection = null;

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

        /**
         * main/lib/application.php: static, the named connection of the pool ('' = default).
         * Here: one in-memory database (DB\MemoryConnection) for every name.
         */
        public static function getConnection($name = '')
        {
            if (self::$connection === null) {
                self::$connection = new DB\MemoryConnection();
            }
            return self::$connection;
        }

        /** Stand-in only: another database (a fresh one, or one restored from a file). */
        public static function setConnection(DB\Connection $connection = null)
        {
            self::$connection = $connection;
        }
    }
}

namespace Bitrix\Main\DB {
    /**
     * The database layer of the main module (main/lib/db/), as far as the handler uses it:
     * Connection::query / queryExecute / isTableExists / getSqlHelper, SqlHelper::quote / forSql,
     * Result::fetch, and the exceptions every failed query throws. Method names and parameters
     * follow main/lib/db/connection.php, sqlhelper.php, result.php, exception.php, sqlexception.php.
     */
    class Exception extends \Bitrix\Main\SystemException
    {
        protected $databaseMessage;

        /** main/lib/db/exception.php: "<message>: <database message>". */
        public function __construct($message = '', $databaseMessage = '', \Throwable $previous = null)
        {
            if ($message !== '' && $databaseMessage !== '') {
                $message .= ': ' . $databaseMessage;
            } elseif ($message === '') {
                $message = $databaseMessage;
            }
            $this->databaseMessage = $databaseMessage;
            parent::__construct($message, 400, '', 0, $previous);
        }

        public function getDatabaseMessage()
        {
            return $this->databaseMessage;
        }
    }

    class SqlException extends Exception
    {
    }

    /** main/lib/db/sqlexception.php: what queryInternal throws on any database error. */
    class SqlQueryException extends SqlException
    {
        protected $query = '';

        public function __construct($message = '', $databaseMessage = '', $query = '', \Throwable $previous = null)
        {
            parent::__construct($message, $databaseMessage, $previous);
            $this->query = $query;
        }

        public function getQuery()
        {
            return $this->query;
        }
    }

    class Result
    {
        private $rows;

        public function __construct(array $rows)
        {
            $this->rows = $rows;
        }

        /** @return array|false the next row (column => value), false after the last */
        public function fetch()
        {
            $row = array_shift($this->rows);
            return $row === null ? false : $row;
        }
    }

    /** MySQL's flavour (mysqlcommonsqlhelper.php, mysqlisqlhelper.php): `name`, backslash escapes. */
    class SqlHelper
    {
        public function getLeftQuote()
        {
            return '`';
        }

        public function getRightQuote()
        {
            return '`';
        }

        public function quote($identifier)
        {
            return '`' . str_replace('`', '', (string)$identifier) . '`';
        }

        /** Like mysqli::real_escape_string. */
        public function forSql($value, $maxLength = 0)
        {
            $value = (string)$value;
            if ($maxLength > 0) {
                $value = substr($value, 0, $maxLength);
            }
            return strtr($value, ["\\" => "\\\\", "\0" => "\\0", "\n" => "\\n", "\r" => "\\r", "'" => "\\'", '"' => '\\"', "\x1a" => "\\Z"]);
        }
    }

    abstract class Connection
    {
        protected $sqlHelper;

        /** @return array[] the rows of a statement; throws SqlQueryException like the real drivers */
        abstract protected function queryInternal($sql, array $binds = null);

        public function getSqlHelper()
        {
            if ($this->sqlHelper === null) {
                $this->sqlHelper = new SqlHelper();
            }
            return $this->sqlHelper;
        }

        /** @return Result */
        public function query($sql)
        {
            return new Result($this->queryInternal((string)$sql));
        }

        public function queryScalar($sql, array $binds = null)
        {
            $row = $this->query($sql)->fetch();
            return $row ? array_shift($row) : null;
        }

        public function queryExecute($sql, array $binds = null)
        {
            $this->query($sql);
        }

        /** Like MysqlCommonConnection::isTableExists: SHOW TABLES LIKE '<name>'. */
        public function isTableExists($tableName)
        {
            $tableName = preg_replace('/[^a-z0-9%_]+/i', '', (string)$tableName);
            if ($tableName === '') {
                return false;
            }
            return (bool)$this->query("SHOW TABLES LIKE '" . $this->getSqlHelper()->forSql($tableName) . "'")->fetch();
        }

        public function getType()
        {
            return 'mysql';
        }
    }

    /**
     * Stand-in only: a database in PHP arrays that runs the few statements the handler sends
     * (CREATE TABLE with a PRIMARY KEY, INSERT, SELECT/DELETE with one WHERE comparison, SHOW
     * TABLES LIKE) and fails like MySQL through MysqliConnection does (SqlQueryException
     * "Mysql query error: (<errno>) <error>", mysqliconnection.php): a duplicate primary key,
     * a missing or existing table, an unknown column. Any other statement is refused the same way,
     * so a handler change that sends SQL this stand-in does not understand fails its tests.
     */
    class MemoryConnection extends Connection
    {
        /** @var array<string, array{columns: string[], primary: string[], rows: array<string, array>}> Stand-in only: the data (a test site saves it between requests). */
        public $tables = [];
        /** @var string[] Stand-in only: every statement run. */
        public $log = [];
        /** @var bool Stand-in only: when true every statement fails as if the server had gone away. */
        public $down = false;

        const IDENT = '`([A-Za-z0-9_]+)`';
        const VALUE = "('(?:[^'\\\\]|\\\\.)*'|-?\\d+)";

        protected function queryInternal($sql, array $binds = null)
        {
            $this->log[] = $sql;
            if ($this->down) {
                $this->fail(2006, 'MySQL server has gone away', $sql);
            }
            $s = trim($sql);
            $i = self::IDENT;
            $v = self::VALUE;
            if (preg_match("/^SHOW TABLES LIKE '([A-Za-z0-9_%]+)'$/D", $s, $m)) {
                $pattern = '/^' . str_replace(['%', '_'], ['.*', '.'], $m[1]) . '$/D';
                return array_values(array_map(function ($name) {
                    return ['TABLE' => $name];
                }, array_filter(array_keys($this->tables), function ($name) use ($pattern) {
                    return preg_match($pattern, $name) === 1;
                })));
            }
            if (preg_match("/^CREATE TABLE $i \\((.*), PRIMARY KEY \\(([^)]*)\\)\\)$/Ds", $s, $m)) {
                return $this->createTable($m[1], $m[2], $m[3], $sql);
            }
            if (preg_match("/^INSERT INTO $i \\(([^)]*)\\) VALUES \\((.*)\\)$/Ds", $s, $m)) {
                return $this->insert($m[1], $m[2], $m[3], $sql);
            }
            if (preg_match("/^(SELECT (.+?)|DELETE) FROM $i WHERE $i (=|<) $v$/Ds", $s, $m)) {
                return $this->where($m[3], $m[4], $m[5], $this->value($m[6]), $m[2] === '' ? null : $m[2], $sql);
            }
            $this->fail(1064, 'You have an error in your SQL syntax (the stand-in does not run this statement)', $sql);
            return [];
        }

        private function createTable($table, $columnsSql, $primarySql, $sql)
        {
            if (isset($this->tables[$table])) {
                $this->fail(1050, "Table '$table' already exists", $sql);
            }
            $columns = [];
            foreach (explode(',', $columnsSql) as $definition) {
                if (!preg_match('/^\s*' . self::IDENT . ' (VARCHAR\(\d+\)|BIGINT|INT) NOT NULL\s*$/D', $definition, $m)) {
                    $this->fail(1064, 'You have an error in your SQL syntax near ' . trim($definition), $sql);
                }
                $columns[] = $m[1];
            }
            $primary = $this->identifiers($primarySql, $sql);
            foreach ($primary as $column) {
                if (!in_array($column, $columns, true)) {
                    $this->fail(1072, "Key column '$column' doesn't exist in table", $sql);
                }
            }
            $this->tables[$table] = ['columns' => $columns, 'primary' => $primary, 'rows' => []];
            return [];
        }

        private function insert($table, $columnsSql, $valuesSql, $sql)
        {
            $this->table($table, $sql);
            $columns = $this->identifiers($columnsSql, $sql);
            if (!preg_match_all('/\s*' . self::VALUE . '\s*(?:,|$)/', $valuesSql, $m) || count($m[1]) !== count($columns)) {
                $this->fail(1136, "Column count doesn't match value count", $sql);
            }
            $row = [];
            foreach ($columns as $n => $column) {
                $this->column($table, $column, $sql);
                $row[$column] = $this->value($m[1][$n]);
            }
            foreach ($this->tables[$table]['columns'] as $column) {
                if (!array_key_exists($column, $row)) {
                    $this->fail(1364, "Field '$column' doesn't have a default value", $sql);
                }
            }
            $key = implode('-', array_map(function ($column) use ($row) {
                return (string)$row[$column];
            }, $this->tables[$table]['primary']));
            if (isset($this->tables[$table]['rows'][$key])) {
                $this->fail(1062, "Duplicate entry '$key' for key 'PRIMARY'", $sql);
            }
            $this->tables[$table]['rows'][$key] = $row;
            return [];
        }

        private function where($table, $column, $operator, $value, $select, $sql)
        {
            $this->table($table, $sql);
            $this->column($table, $column, $sql);
            $out = [];
            foreach ($this->tables[$table]['rows'] as $key => $row) {
                $match = $operator === '=' ? (string)$row[$column] === (string)$value : $row[$column] < $value;
                if (!$match) {
                    continue;
                }
                if ($select === null) {
                    unset($this->tables[$table]['rows'][$key]);
                    continue;
                }
                $picked = [];
                foreach ($this->identifiers($select, $sql) as $name) {
                    $this->column($table, $name, $sql);
                    $picked[$name] = (string)$row[$name];
                }
                $out[] = $picked;
            }
            return $out;
        }

        /** @return string[] the names of "`A`, `B`" */
        private function identifiers($list, $sql)
        {
            $names = [];
            foreach (explode(',', $list) as $part) {
                if (!preg_match('/^\s*' . self::IDENT . '\s*$/D', $part, $m)) {
                    $this->fail(1064, 'You have an error in your SQL syntax near ' . trim($part), $sql);
                }
                $names[] = $m[1];
            }
            return $names;
        }

        /** A literal: an integer, or a quoted string with mysqli's escapes undone. */
        private function value($literal)
        {
            if ($literal[0] !== "'") {
                return (int)$literal;
            }
            return strtr(substr($literal, 1, -1), ["\\\\" => "\\", "\\0" => "\0", "\\n" => "\n", "\\r" => "\r", "\\'" => "'", '\\"' => '"', "\\Z" => "\x1a"]);
        }

        private function table($table, $sql)
        {
            if (!isset($this->tables[$table])) {
                $this->fail(1146, "Table '$table' doesn't exist", $sql);
            }
        }

        private function column($table, $column, $sql)
        {
            if (!in_array($column, $this->tables[$table]['columns'], true)) {
                $this->fail(1054, "Unknown column '$column'", $sql);
            }
        }

        private function fail($errno, $error, $sql)
        {
            throw new SqlQueryException('Mysql query error', '(' . $errno . ') ' . $error, $sql);
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
                    'IS_EMAIL' => $code === 'EMAIL' ? 'Y' : 'N',
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

        /** The property marked "e-mail" (IS_EMAIL), as Cashbox\Check reads the buyer's address. */
        public function getUserEmail()
        {
            foreach ($this->items as $item) {
                if ($item->getField('IS_EMAIL') === 'Y') {
                    return $item;
                }
            }
            return null;
        }
    }

    /**
     * A basket line with the getters Cashbox\Check reads (sale/lib/cashbox/check.php,
     * extractDataFromBasketItem): NAME, the price with VAT, the quantity and the VAT rate as a
     * fraction (0.16), null for "no VAT".
     */
    class BasketItem
    {
        private $fields;

        public function __construct(array $fields)
        {
            $this->fields = $fields + ['CAN_BUY' => 'Y', 'DELAY' => 'N', 'VAT_RATE' => null, 'VAT_INCLUDED' => 'Y'];
        }

        public function getField($name)
        {
            return isset($this->fields[$name]) ? $this->fields[$name] : null;
        }

        public function getQuantity()
        {
            return (float)$this->fields['QUANTITY'];
        }

        public function getPrice()
        {
            return (float)$this->fields['PRICE'];
        }

        /** PRICE with the VAT added when the catalog keeps prices without it (VAT_INCLUDED = N). */
        public function getPriceWithVat()
        {
            $price = (float)$this->fields['PRICE'];
            if ($this->fields['VAT_INCLUDED'] === 'N' && $this->fields['VAT_RATE'] !== null) {
                $price = PriceMaths::roundPrecision($price * (1 + (float)$this->fields['VAT_RATE']));
            }
            return $price;
        }

        public function getFinalPrice()
        {
            return PriceMaths::roundPrecision($this->getPriceWithVat() * $this->getQuantity());
        }

        public function getVatRate()
        {
            return $this->fields['VAT_RATE'] === null ? null : (float)$this->fields['VAT_RATE'];
        }

        public function isVatInPrice()
        {
            return $this->fields['VAT_INCLUDED'] === 'Y';
        }

        public function canBuy()
        {
            return $this->fields['CAN_BUY'] === 'Y';
        }

        public function isDelay()
        {
            return $this->fields['DELAY'] === 'Y';
        }
    }

    class Basket implements \IteratorAggregate
    {
        /** @var BasketItem[] */
        private $items = [];

        /** @param array<array|BasketItem> $items fields of new lines, or lines */
        public function __construct(array $items)
        {
            foreach ($items as $item) {
                $this->items[] = $item instanceof BasketItem ? $item : new BasketItem($item);
            }
        }

        /** The lines that are bought: not put aside (DELAY) and available (CAN_BUY), as BasketBase::getOrderableItems. */
        public function getOrderableItems()
        {
            return new Basket(array_values(array_filter($this->items, function (BasketItem $item) {
                return $item->canBuy() && !$item->isDelay();
            })));
        }

        #[\ReturnTypeWillChange]
        public function getIterator()
        {
            return new \ArrayIterator($this->items);
        }
    }

    /** A shipment: its delivery price (getPrice) and whether it is the order's system shipment. */
    class Shipment
    {
        private $fields;

        public function __construct(array $fields)
        {
            $this->fields = $fields + ['SYSTEM' => 'N', 'PRICE_DELIVERY' => 0];
        }

        public function isSystem()
        {
            return $this->fields['SYSTEM'] === 'Y';
        }

        public function getPrice()
        {
            return (float)$this->fields['PRICE_DELIVERY'];
        }

        public function getField($name)
        {
            return isset($this->fields[$name]) ? $this->fields[$name] : null;
        }
    }

    class ShipmentCollection implements \IteratorAggregate
    {
        /** @var Shipment[] */
        private $items = [];

        public function __construct(array $shipments)
        {
            foreach ($shipments as $fields) {
                $this->items[] = new Shipment($fields);
            }
        }

        public function getNotSystemItems()
        {
            return array_values(array_filter($this->items, function (Shipment $s) {
                return !$s->isSystem();
            }));
        }

        #[\ReturnTypeWillChange]
        public function getIterator()
        {
            return new \ArrayIterator($this->items);
        }
    }

    class PaymentCollection
    {
        /** @var Payment[] */
        private $items = [];

        public function add(Payment $payment)
        {
            $this->items[] = $payment;
        }

        public function getItemById($id)
        {
            foreach ($this->items as $item) {
                if ((int)$item->getId() === (int)$id) {
                    return $item;
                }
            }
            return null;
        }

        public function getIterator()
        {
            return new \ArrayIterator($this->items);
        }
    }

    class Order
    {
        /** @var Order[] Stand-in only: the "database" Order::load reads, by order id. */
        public static $registry = [];

        private $fields;
        private $properties;
        private $payments;
        /** @var callable|null Stand-in only: called by save(); returning false fails the save. */
        public $onSave = null;

        private $basket;
        private $shipments;

        /** Stand-in only: $basket and $shipments are the fields of its BasketItem and Shipment rows. */
        public function __construct(array $fields, array $properties = [], array $basket = [], array $shipments = [])
        {
            $this->fields = $fields + ['CANCELED' => 'N'];
            $this->properties = new PropertyValueCollection($properties);
            $this->payments = new PaymentCollection();
            $this->basket = new Basket($basket);
            $this->shipments = new ShipmentCollection(array_merge([['SYSTEM' => 'Y']], $shipments));
            self::$registry[(int)$this->fields['ID']] = $this;
        }

        public function getBasket()
        {
            return $this->basket;
        }

        public function getShipmentCollection()
        {
            return $this->shipments;
        }

        public static function load($id)
        {
            return isset(self::$registry[(int)$id]) ? self::$registry[(int)$id] : null;
        }

        /** The sale module refuses to process payments of a cancelled order (sale/lib/paysystem/service.php). */
        public function isCanceled()
        {
            return $this->fields['CANCELED'] === 'Y';
        }

        public function getPaymentCollection()
        {
            return $this->payments;
        }

        public function getPersonTypeId()
        {
            return isset($this->fields['PERSON_TYPE_ID']) ? (int)$this->fields['PERSON_TYPE_ID'] : 1;
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
            $result = new \Bitrix\Main\Result();
            if ($this->onSave && call_user_func($this->onSave, $this) === false) {
                $result->addError(new \Bitrix\Main\Error('the order could not be saved'));
            }
            return $result;
        }
    }

    class Payment
    {
        private $fields;
        private $order;
        /** Stand-in only: how many times setPaid('Y') turned the payment paid. */
        public $paidTransitions = 0;

        /** Stand-in only: when set, setPaid() fails with this message (e.g. a handler of OnSalePaymentPaid refused). */
        public $failSetPaid = null;
        /** @var \Bitrix\Sale\PaySystem\Service|null */
        private $service;

        const RETURN_NONE = 'N';
        const RETURN_PS = 'P';

        public function __construct(array $fields, Order $order)
        {
            $this->fields = $fields + ['PAID' => 'N', 'IS_RETURN' => 'N', 'MARKED' => 'N'];
            $this->order = $order;
            $order->getPaymentCollection()->add($this);
        }

        public function setPaySystemService(\Bitrix\Sale\PaySystem\Service $service)
        {
            $this->service = $service;
        }

        public function isReturn()
        {
            return $this->fields['IS_RETURN'] === 'Y' || $this->fields['IS_RETURN'] === self::RETURN_PS;
        }

        public function isMarked()
        {
            return $this->fields['MARKED'] === 'Y';
        }

        /**
         * "Return to the payment system" (IS_RETURN = P), as Payment::onFieldModify does it
         * (sale/lib/payment.php): the pay system must be refundable (IRefund), Service::refund asks
         * the handler, and only a MONEY_LEAVING answer turns the payment unpaid; errors come back to
         * the admin and nothing changes.
         */
        public function setReturn($value)
        {
            $result = new \Bitrix\Main\Result();
            if ($value !== self::RETURN_PS || $this->isReturn()) {
                return $result;
            }
            if (!$this->service || !$this->service->isRefundable()) {
                return $result->addError(new \Bitrix\Main\Error('SALE_ORDER_PAYMENT_RETURN_NO_SUPPORTED'));
            }
            $refund = $this->service->refund($this);
            if (!$refund->isSuccess()) {
                return $result->addErrors($refund->getErrors());
            }
            $this->fields['IS_RETURN'] = self::RETURN_PS;
            if ($refund->getOperationType() === \Bitrix\Sale\PaySystem\ServiceResult::MONEY_LEAVING) {
                $this->fields['PAID'] = 'N';
            }
            if ($refund->getPsData()) {
                $this->setFields($refund->getPsData());
            }
            return $result;
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
            if ($this->failSetPaid !== null) {
                return (new \Bitrix\Main\Result())->addError(new \Bitrix\Main\Error($this->failSetPaid));
            }
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
        // The values of sale/lib/paysystem/serviceresult.php.
        const MONEY_COMING = 'money_coming';
        const MONEY_LEAVING = 'money_leaving';

        protected $operationType;
        protected $resultApplied = true;
        protected $paymentUrl = '';

        public function isResultApplied()
        {
            return $this->resultApplied;
        }

        public function setResultApplied($resultApplied)
        {
            $this->resultApplied = $resultApplied;
        }

        public function getPaymentUrl()
        {
            return $this->paymentUrl;
        }

        public function setPaymentUrl($paymentUrl)
        {
            $this->paymentUrl = $paymentUrl;
        }
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

    interface IRefund
    {
        public function refund(Payment $payment, $refundableSum);
    }

    class Manager
    {
        /** [orderId, paymentId] of a payment id, from the loaded orders (sale/lib/paysystem/manager.php). */
        public static function getIdsByPayment($paymentId, $registryType = 'ORDER')
        {
            foreach (\Bitrix\Sale\Order::$registry as $order) {
                if ($order->getPaymentCollection()->getItemById($paymentId)) {
                    return [$order->getId(), (int)$paymentId];
                }
            }
            return [0, 0];
        }
    }

    /** What a pay system (b_sale_pay_system_action row + business values) gives its handler. */
    class Service
    {
        private $fields;
        private $businessValues;
        /** @var array<int, array<string, string>> business values per person type (BusinessValue mapping) */
        private $personTypeValues;
        private $handler;

        public function __construct(array $fields, array $businessValues = [], array $personTypeValues = [])
        {
            $this->fields = $fields + ['ENTITY_REGISTRY_TYPE' => 'ORDER'];
            $this->businessValues = $businessValues;
            $this->personTypeValues = $personTypeValues;
        }

        public function getField($name)
        {
            return isset($this->fields[$name]) ? $this->fields[$name] : null;
        }

        /**
         * Stand-in only: BusinessValue::get for this pay system's consumer — the payment's person
         * type's mapping first, then the pay system's. Without a payment only the latter exists.
         */
        public function getBusinessValueOf($code, Payment $payment = null)
        {
            $order = $payment ? $payment->getOrder() : null;
            $personType = $order ? $order->getPersonTypeId() : null;
            if ($personType !== null && isset($this->personTypeValues[$personType][$code])) {
                return $this->personTypeValues[$personType][$code];
            }
            return isset($this->businessValues[$code]) ? $this->businessValues[$code] : null;
        }

        public function setHandler(ServiceHandler $handler)
        {
            $this->handler = $handler;
        }

        /** Like Service::initiatePay: PS data the handler returns is written to the payment and the order saved. */
        public function initiatePay(Payment $payment, Request $request = null, $mode = BaseServiceHandler::STREAM)
        {
            $this->handler->setInitiateMode($mode);
            $result = $this->handler->initiatePay($payment, $request);
            if ($result->getPsData()) {
                $payment->setFields($result->getPsData());
                $save = $payment->getOrder()->save();
                if (!$save->isSuccess()) {
                    $result->addErrors($save->getErrors());
                }
            }
            return $result;
        }

        public function isRefundable()
        {
            return $this->handler instanceof IRefund;
        }

        /** Service::refund: only a paid payment; a sum of 0 means the whole payment. */
        public function refund(Payment $payment, $refundableSum = 0)
        {
            if (!$payment->isPaid()) {
                $result = new ServiceResult();
                $result->addError(new \Bitrix\Main\Error('SALE_PS_SERVICE_PAYMENT_NOT_PAID'));
                return $result;
            }
            $result = $this->handler->refund($payment, $refundableSum == 0 ? $payment->getSum() : $refundableSum);
            if (!$result->isSuccess()) {
                Logger::addError(get_class($this->handler) . ': refund: ' . implode("\n", $result->getErrorMessages()));
            }
            return $result;
        }

        /**
         * What Service::processRequest does (sale/lib/paysystem/service.php): find the payment by
         * the handler's id (Manager::getIdsByPayment + Order::load, or $findPayment); a cancelled
         * order is an error WITHOUT sendResponse; on the handler's success apply MONEY_COMING as
         * setPaid('Y') / MONEY_LEAVING as IS_RETURN = P + setPaid('N'), then the PS_* fields, then
         * save the order — any failure there only sets setResultApplied(false); on the handler's
         * error mark the payment (MARKED = 'Y', PaymentMarker::mark). Then sendResponse.
         * $findPayment: function (string|int $id): ?Payment, for tests that keep no registry.
         */
        public function processRequest(Request $request, callable $findPayment = null)
        {
            $result = new \Bitrix\Main\Result();
            $paymentId = $this->handler->getPaymentIdFromRequest($request);
            if (empty($paymentId)) {
                $result->addError(new \Bitrix\Main\Error('payment id is not found in the request'));
                Logger::addError('payment id is not found in the request');
                return $result;
            }
            if ($findPayment !== null) {
                $payment = call_user_func($findPayment, $paymentId);
                $order = $payment ? $payment->getOrder() : null;
            } else {
                list($orderId, $id) = Manager::getIdsByPayment($paymentId, $this->getField('ENTITY_REGISTRY_TYPE'));
                $order = $orderId ? \Bitrix\Sale\Order::load($orderId) : null;
                $payment = $order ? $order->getPaymentCollection()->getItemById($id) : null;
            }
            if ($order && $order->isCanceled()) {
                $result->addError(new \Bitrix\Main\Error('order ' . $order->getId() . ' is canceled'));
                Logger::addError('order ' . $order->getId() . ' is canceled');
                return $result;
            }
            if (!$payment) {
                $result->addError(new \Bitrix\Main\Error('payment ' . $paymentId . ' is not found'));
                Logger::addError('payment ' . $paymentId . ' is not found');
                return $result;
            }
            $serviceResult = $this->handler->processRequest($payment, $request);
            if ($serviceResult->isSuccess()) {
                $operationType = $serviceResult->getOperationType();
                $status = $operationType === ServiceResult::MONEY_COMING ? 'Y'
                    : ($operationType === ServiceResult::MONEY_LEAVING ? 'N' : null);
                if ($status === 'N') {
                    $payment->setFields(['IS_RETURN' => Payment::RETURN_PS, 'PAY_RETURN_DATE' => date('d.m.Y')]);
                }
                if ($status !== null && !$payment->setPaid($status)->isSuccess()) {
                    $serviceResult->setResultApplied(false);
                }
                if ($serviceResult->getPsData()) {
                    $payment->setFields($serviceResult->getPsData());
                }
                if (!$payment->getOrder()->save()->isSuccess()) {
                    $serviceResult->setResultApplied(false);
                }
            } else {
                $serviceResult->setResultApplied(false);
                $result->addErrors($serviceResult->getErrors());
                Logger::addError(implode('; ', $serviceResult->getErrorMessages()));
                $payment->setFields(['MARKED' => 'Y', 'REASON_MARKED' => implode('; ', $serviceResult->getErrorMessages())]);
                $payment->getOrder()->save();
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
            return $this->service->getBusinessValueOf($code, $payment);
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
