-- DropIndex
DROP INDEX "Order_externalId_key";

-- DropIndex
DROP INDEX "Payment_kaspiExternalId_key";

-- DropIndex
DROP INDEX "KaspiGatewayTxn_txnId_key";

-- DropIndex
DROP INDEX "Refund_idempotencyKey_key";

-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "storeId" TEXT NOT NULL DEFAULT 'default';

-- AlterTable
ALTER TABLE "Payment" ADD COLUMN     "storeId" TEXT NOT NULL DEFAULT 'default';

-- AlterTable
ALTER TABLE "Outbox" ADD COLUMN     "storeId" TEXT NOT NULL DEFAULT 'default';

-- AlterTable
ALTER TABLE "KaspiGatewayTxn" ADD COLUMN     "storeId" TEXT NOT NULL DEFAULT 'default';

-- AlterTable
ALTER TABLE "QrReturn" ADD COLUMN     "storeId" TEXT NOT NULL DEFAULT 'default';

-- AlterTable
ALTER TABLE "Refund" ADD COLUMN     "storeId" TEXT NOT NULL DEFAULT 'default';

-- AlterTable
ALTER TABLE "MerchantUser" ADD COLUMN     "storeId" TEXT NOT NULL DEFAULT 'default';

-- AlterTable
ALTER TABLE "SignatureNonce" DROP CONSTRAINT "SignatureNonce_pkey",
ADD COLUMN     "storeId" TEXT NOT NULL DEFAULT 'default',
ADD CONSTRAINT "SignatureNonce_pkey" PRIMARY KEY ("storeId", "nonce");

-- AlterTable
ALTER TABLE "FiscalReceipt" ADD COLUMN     "storeId" TEXT NOT NULL DEFAULT 'default';

-- CreateTable
CREATE TABLE "Store" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'active',
    "memberId" TEXT,
    "domain" TEXT,
    "restBase" TEXT,
    "lang" TEXT,
    "mode" TEXT NOT NULL DEFAULT 'test',
    "kaspiProtocol" TEXT,
    "kaspiSecrets" TEXT,
    "bitrixSecret" TEXT,
    "notifyUrl" TEXT,
    "checkoutKey" TEXT,
    "accessToken" TEXT,
    "refreshToken" TEXT,
    "tokenExpiresAt" TIMESTAMP(3),
    "applicationToken" TEXT,
    "tokenLockedUntil" TIMESTAMP(3),
    "tokenLockedBy" TEXT,
    "scope" TEXT,
    "installedAt" TIMESTAMP(3),
    "uninstalledAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Store_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Store_memberId_key" ON "Store"("memberId");

-- CreateIndex
CREATE UNIQUE INDEX "Store_checkoutKey_key" ON "Store"("checkoutKey");

-- CreateIndex
CREATE INDEX "Order_storeId_createdAt_idx" ON "Order"("storeId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Order_storeId_externalId_key" ON "Order"("storeId", "externalId");

-- CreateIndex
CREATE INDEX "Payment_storeId_createdAt_id_idx" ON "Payment"("storeId", "createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Payment_storeId_kaspiExternalId_key" ON "Payment"("storeId", "kaspiExternalId");

-- CreateIndex
CREATE UNIQUE INDEX "KaspiGatewayTxn_storeId_txnId_key" ON "KaspiGatewayTxn"("storeId", "txnId");

-- CreateIndex
CREATE UNIQUE INDEX "Refund_storeId_idempotencyKey_key" ON "Refund"("storeId", "idempotencyKey");

-- CreateIndex
CREATE INDEX "MerchantUser_storeId_idx" ON "MerchantUser"("storeId");

