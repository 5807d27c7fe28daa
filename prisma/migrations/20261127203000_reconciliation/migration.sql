-- The reconciler's backoff counter.
ALTER TABLE "Payment" ADD COLUMN "checkCount" INTEGER NOT NULL DEFAULT 0;
