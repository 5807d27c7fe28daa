<?php
// The handler with its HTTP output captured instead of sent (php-cli cannot observe status codes).

use Sale\Handlers\PaySystem\KaspiCheckoutHandler;

class TestableHandler extends KaspiCheckoutHandler
{
    /** @var int|null */
    public $status = null;
    /** @var array|null */
    public $body = null;

    protected function emit($status, array $body)
    {
        $this->status = $status;
        $this->body = $body;
    }

    protected function emitStatus($status)
    {
        $this->status = $status;
    }
}
