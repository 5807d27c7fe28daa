<?php

namespace Sale\Handlers\PaySystem\KaspiCheckout;

/**
 * The app's request signature (its HTTP contract):
 *   X-Signature-Timestamp: <unix seconds>
 *   X-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 * Body-less requests sign "<timestamp>.". The checks and their order mirror the app's
 * lib/bitrix-onprem/signature.ts; both sides are tested against one set of vectors.
 */
final class Signature
{
    const OK = 'OK';
    const MISSING = 'MISSING_SIGNATURE';
    const INVALID = 'INVALID_SIGNATURE';
    const STALE = 'STALE_SIGNATURE';

    public static function compute($secret, $timestamp, $rawBody)
    {
        return hash_hmac('sha256', $timestamp . '.' . $rawBody, $secret);
    }

    /** @return array<string, string> */
    public static function headers($secret, $rawBody, $now = null)
    {
        $timestamp = (string)($now === null ? time() : $now);
        return [
            'X-Signature-Timestamp' => $timestamp,
            'X-Signature' => 'sha256=' . self::compute($secret, $timestamp, $rawBody),
        ];
    }

    /** @return string one of the constants above */
    public static function verify($secret, $timestamp, $signature, $rawBody, $toleranceSeconds = 300, $now = null)
    {
        if ($timestamp === null || $timestamp === '' || $signature === null || $signature === '') {
            return self::MISSING;
        }
        if (!preg_match('/^\d{1,12}$/D', $timestamp)) {
            return self::INVALID;
        }
        $now = $now === null ? time() : $now;
        if (abs($now - (int)$timestamp) > $toleranceSeconds) {
            return self::STALE;
        }
        if (!preg_match('/^sha256=([0-9a-fA-F]{64})$/D', trim($signature), $m)) {
            return self::INVALID;
        }
        $expected = self::compute($secret, $timestamp, $rawBody);
        return hash_equals($expected, strtolower($m[1])) ? self::OK : self::INVALID;
    }
}
