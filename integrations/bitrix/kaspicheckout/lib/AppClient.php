<?php

namespace Sale\Handlers\PaySystem\KaspiCheckout;

use Bitrix\Main\Web\HttpClient;

/**
 * Signed calls from the store to the Kaspi checkout app: POST /api/orders,
 * GET /api/orders/{externalId} and POST /api/orders/{externalId}/refunds. Never throws: every
 * outcome is an AppResponse.
 */
final class AppClient
{
    private $baseUrl;
    private $secret;
    private $timeoutSeconds;
    private $storeId;

    /**
     * $storeId: the app's store this site is (sent as X-Kaspi-Store, which picks the secret the app
     * verifies with); '' = the app's default store, no header.
     */
    public function __construct($baseUrl, $secret, $timeoutSeconds = 10, $storeId = '')
    {
        $this->baseUrl = rtrim((string)$baseUrl, '/');
        $this->secret = (string)$secret;
        $this->timeoutSeconds = (int)$timeoutSeconds;
        $this->storeId = trim((string)$storeId);
    }

    /** @param array<string, mixed> $order */
    public function createOrder(array $order)
    {
        $body = json_encode($order, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES);
        return $this->send('POST', '/api/orders', $body === false ? '{}' : $body);
    }

    public function getOrder($externalId)
    {
        return $this->send('GET', '/api/orders/' . rawurlencode((string)$externalId), '');
    }

    /** A refund started in Bitrix; the app answers the same refundId with the same refund. */
    public function refund($externalId, $amount, $refundId)
    {
        $body = json_encode(['amount' => (int)$amount, 'refundId' => (string)$refundId], JSON_UNESCAPED_SLASHES);
        return $this->send('POST', '/api/orders/' . rawurlencode((string)$externalId) . '/refunds', $body === false ? '{}' : $body);
    }

    private function send($method, $path, $rawBody)
    {
        $client = new HttpClient([
            'socketTimeout' => $this->timeoutSeconds,
            'streamTimeout' => $this->timeoutSeconds,
            'redirect' => false,
        ]);
        $client->setHeader('Accept', 'application/json', true);
        if ($method === 'POST') {
            $client->setHeader('Content-Type', 'application/json', true);
        }
        if ($this->storeId !== '') {
            $client->setHeader('X-Kaspi-Store', $this->storeId, true);
        }
        $url = $this->baseUrl . $path;
        // The signature covers the method and the path and query exactly as sent (the app may live
        // under a sub-path of its host), so it cannot be reused for another order or request.
        foreach (Signature::headers($this->secret, $method, self::targetOf($url), $rawBody) as $name => $value) {
            $client->setHeader($name, $value, true);
        }
        $raw = $method === 'POST' ? $client->post($url, $rawBody) : $client->get($url);
        if ($raw === false) {
            return new AppResponse(0, null);
        }
        $json = json_decode((string)$raw, true);
        return new AppResponse((int)$client->getStatus(), is_array($json) ? $json : null);
    }

    /** The path and query of a URL, as they go on the request line. */
    public static function targetOf($url)
    {
        $path = parse_url($url, PHP_URL_PATH);
        $query = parse_url($url, PHP_URL_QUERY);
        return ($path === null || $path === false || $path === '' ? '/' : $path)
            . ($query === null || $query === false ? '' : '?' . $query);
    }
}

final class AppResponse
{
    /** 0 when the app could not be reached. */
    public $status;
    /** @var array<string, mixed>|null */
    public $body;

    public function __construct($status, $body)
    {
        $this->status = $status;
        $this->body = $body;
    }

    public function reachable()
    {
        return $this->status > 0;
    }

    public function ok()
    {
        return $this->status >= 200 && $this->status < 300 && is_array($this->body);
    }

    public function errorCode()
    {
        return isset($this->body['error']['code']) && is_string($this->body['error']['code'])
            ? $this->body['error']['code'] : '';
    }

    public function errorMessage()
    {
        return isset($this->body['error']['message']) && is_string($this->body['error']['message'])
            ? $this->body['error']['message'] : '';
    }
}
