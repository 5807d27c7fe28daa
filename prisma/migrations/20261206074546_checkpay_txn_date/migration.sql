-- AlterTable
ALTER TABLE "Payment" ADD COLUMN "kaspiTxnDate" TEXT;

