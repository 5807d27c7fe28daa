<?php

namespace Sale\Handlers\PaySystem\KaspiCheckout;

/**
 * The app's request signature (its HTTP contract), both directions:
 *   X-Signature-Timestamp: <unix seconds>
 *   X-Signature-Nonce:     <16-64 of [A-Za-z0-9_-]>
 *   X-Signature:           sha256=<hex HMAC-SHA256(secret, "<ts>.<nonce>.<METHOD>.<target>.<raw body>")>
 * <target> is the request's path and query exactly as sent (the request URI). Binding the method
 * and target keeps a captured read-back signature from reading another order; the nonce lets the
 * receiver refuse a replay (the handler keeps the nonces it accepted: NonceStore.php). The checks
 * and their order mirror the app's lib/bitrix-onprem/signature.ts; both sides are tested against
 * one set of vectors.
 */
final class Signature
{
    const OK = 'OK';
    const MISSING = 'MISSING_SIGNATURE';
    const INVALID = 'INVALID_SIGNATURE';
    const STALE = 'STALE_SIGNATURE';
    /** A valid signature whose nonce was accepted before (the receiver's nonce store, NonceStore.php). */
    const REPLAYED = 'REPLAYED_SIGNATURE';

    public static function compute($secret, $timestamp, $nonce, $method, $target, $rawBody)
    {
        return hash_hmac('sha256', $timestamp . '.' . $nonce . '.' . strtoupper($method) . '.' . $target . '.' . $rawBody, $secret);
    }

    /** 24 URL-safe characters (144 random bits). */
    public static function newNonce()
    {
        return rtrim(strtr(base64_encode(random_bytes(18)), '+/', '-_'), '=');
    }

    /** @return array<string, string> */
    public static function headers($secret, $method, $target, $rawBody, $now = null, $nonce = null)
    {
        $timestamp = (string)($now === null ? time() : $now);
        $nonce = $nonce === null ? self::newNonce() : (string)$nonce;
        return [
            'X-Signature-Timestamp' => $timestamp,
            'X-Signature-Nonce' => $nonce,
            'X-Signature' => 'sha256=' . self::compute($secret, $timestamp, $nonce, $method, $target, $rawBody),
        ];
    }

    /** @return string one of the constants above */
    public static function verify($secret, $timestamp, $nonce, $signature, $method, $target, $rawBody, $toleranceSeconds = 300, $now = null)
    {
        if ($timestamp === null || $timestamp === '' || $signature === null || $signature === ''
            || $nonce === null || $nonce === '') {
            return self::MISSING;
        }
        if (!preg_match('/^\d{1,12}$/D', $timestamp)) {
            return self::INVALID;
        }
        if (!preg_match('/^[A-Za-z0-9_-]{16,64}$/D', $nonce)) {
            return self::INVALID;
        }
        $now = $now === null ? time() : $now;
        if (abs($now - (int)$timestamp) > $toleranceSeconds) {
            return self::STALE;
        }
        if (!preg_match('/^sha256=([0-9a-fA-F]{64})$/D', trim($signature), $m)) {
            return self::INVALID;
        }
        $expected = self::compute($secret, $timestamp, $nonce, $method, $target, $rawBody);
        return hash_equals($expected, strtolower($m[1])) ? self::OK : self::INVALID;
    }
}
