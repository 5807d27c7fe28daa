-- The check/pay protocol is called "checkpay" in code (it was "gateway"); attempts keep their protocol.
UPDATE "Payment" SET "protocol" = 'checkpay' WHERE "protocol" = 'gateway';
