<?php

namespace Sale\Handlers\PaySystem\KaspiCheckout;

/**
 * The nonces of the app's signed notifications that this site has accepted, kept so that a
 * captured notification cannot be delivered a second time (Signature.php: the nonce lets the
 * receiver refuse a replay). The app does the same for the store's requests
 * (lib/bitrix-onprem/nonce-store.ts).
 *
 * Where: the site's own database (the default connection of the Bitrix installation), in the table
 * b_kaspi_checkout_nonce, created on first use:
 *   NONCE       VARCHAR(64), the primary key (a nonce is 16-64 of [A-Za-z0-9_-], Signature::verify;
 *               under MySQL's usual case-insensitive collation two nonces that differ only in case
 *               count as one: that can only refuse a request, never let one through, and with the
 *               app's 144 random bits per nonce it does not happen in practice)
 *   EXPIRES_AT  BIGINT, unix seconds: the request's timestamp + the clock tolerance
 * Not the cache (Bitrix\Main\Data\Cache): it can be cleared or switched off, and then every
 * captured notification would go through again.
 *
 * Atomic: claim() is one INSERT into a table whose primary key is the nonce. Of two deliveries of
 * one nonce, even at the same moment on two web servers, the database lets exactly one INSERT
 * through; the other fails on the duplicate key, and the nonce is then found in the table.
 *
 * How long: until EXPIRES_AT. After that moment Signature::verify refuses the request as
 * STALE_SIGNATURE anyway, so the row can go; every claim deletes the rows that expired more than
 * PURGE_GRACE_SECONDS ago (a margin for web servers whose clocks differ a little).
 *
 * The Bitrix D7 API used, read in 1C-Bitrix's main module (repository avshatalov48/bitrix-core-business):
 *   Application::getConnection()               modules/main/lib/application.php (static; the default connection)
 *   Connection::isTableExists, query, queryExecute
 *                                               modules/main/lib/db/connection.php (abstract), implemented in
 *                                               modules/main/lib/db/mysqlcommonconnection.php (SHOW TABLES LIKE)
 *                                               and modules/main/lib/db/pgsqlconnection.php (pg_tables)
 *   SqlHelper::quote, SqlHelper::forSql         modules/main/lib/db/sqlhelper.php, mysqlisqlhelper.php,
 *                                               pgsqlsqlhelper.php (quote lower-cases names on PostgreSQL,
 *                                               so every statement here quotes through it)
 *   SqlQueryException                           modules/main/lib/db/sqlexception.php: queryInternal throws it
 *                                               on any database error (mysqliconnection.php, pgsqlconnection.php),
 *                                               a duplicate key included ("(1062) Duplicate entry ..." on MySQL)
 */
final class NonceStore
{
    const TABLE = 'b_kaspi_checkout_nonce';
    const PURGE_GRACE_SECONDS = 60;

    /** @var \Bitrix\Main\DB\Connection */
    private $connection;

    /** @param \Bitrix\Main\DB\Connection $connection */
    public function __construct($connection)
    {
        $this->connection = $connection;
    }

    /**
     * Records a nonce of a request whose signature was verified.
     *
     * @param string $nonce
     * @param int|string $timestamp the request's X-Signature-Timestamp (unix seconds)
     * @param int $toleranceSeconds the clock tolerance Signature::verify used
     * @param int|null $now
     * @return bool true when the nonce is new (now recorded), false when it was seen before (a replay)
     * @throws \Exception when the database fails (the caller answers "try again later")
     */
    public function claim($nonce, $timestamp, $toleranceSeconds, $now = null)
    {
        $now = $now === null ? time() : (int)$now;
        $this->ensureTable();
        $this->purge($now);
        $sql = $this->connection->getSqlHelper();
        try {
            $this->connection->queryExecute(
                'INSERT INTO ' . $sql->quote(self::TABLE) . ' (' . $sql->quote('NONCE') . ', ' . $sql->quote('EXPIRES_AT') . ')'
                . " VALUES ('" . $sql->forSql((string)$nonce) . "', " . ((int)$timestamp + (int)$toleranceSeconds) . ')'
            );
            return true;
        } catch (\Exception $e) {
            // A duplicate key is a SqlQueryException like any other query error (MySQL: "(1062)
            // Duplicate entry"; newer PostgreSQL connections throw DuplicateEntryException for
            // SQLSTATE 23505, pgsqlconnection.php createQueryException), so the exception's class
            // and text are not relied on: the nonce being in the table is what makes this a
            // replay. Any other failure goes up.
            if ($this->seen($nonce)) {
                return false;
            }
            throw $e;
        }
    }

    /** @return bool whether the nonce is in the table */
    private function seen($nonce)
    {
        $sql = $this->connection->getSqlHelper();
        $row = $this->connection->query(
            'SELECT ' . $sql->quote('NONCE') . ' FROM ' . $sql->quote(self::TABLE)
            . ' WHERE ' . $sql->quote('NONCE') . " = '" . $sql->forSql((string)$nonce) . "'"
        )->fetch();
        return is_array($row);
    }

    private function purge($now)
    {
        $sql = $this->connection->getSqlHelper();
        $this->connection->queryExecute(
            'DELETE FROM ' . $sql->quote(self::TABLE) . ' WHERE ' . $sql->quote('EXPIRES_AT') . ' < ' . ((int)$now - self::PURGE_GRACE_SECONDS)
        );
    }

    /** Creates the table the first time; portable SQL (MySQL/MariaDB and PostgreSQL, the databases Bitrix runs on). */
    private function ensureTable()
    {
        if ($this->connection->isTableExists(self::TABLE)) {
            return;
        }
        $sql = $this->connection->getSqlHelper();
        try {
            $this->connection->queryExecute(
                'CREATE TABLE ' . $sql->quote(self::TABLE) . ' ('
                . $sql->quote('NONCE') . ' VARCHAR(64) NOT NULL, '
                . $sql->quote('EXPIRES_AT') . ' BIGINT NOT NULL, '
                . 'PRIMARY KEY (' . $sql->quote('NONCE') . '))'
            );
        } catch (\Exception $e) {
            // Another request created it in between: fine. Anything else goes up.
            if (!$this->connection->isTableExists(self::TABLE)) {
                throw $e;
            }
        }
    }
}
