-- AlterTable
ALTER TABLE "Order" ADD COLUMN "kaspiLoan" TEXT;
ALTER TABLE "Order" ADD COLUMN "kaspiStage" TEXT;

-- AlterTable
ALTER TABLE "Payment" ADD COLUMN "kaspiMeta" TEXT;

-- CreateTable
CREATE TABLE "KaspiGatewayTxn" (
    "seq" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "txnId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "paymentId" TEXT NOT NULL,
    "account" TEXT NOT NULL,
    "amount" INTEGER NOT NULL,
    "txnDate" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "SandboxQrDevice" (
    "deviceToken" TEXT NOT NULL PRIMARY KEY,
    "deviceId" TEXT NOT NULL,
    "tradePointId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_SandboxPayment" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "externalId" TEXT NOT NULL,
    "amount" INTEGER NOT NULL,
    "currency" TEXT NOT NULL,
    "description" TEXT,
    "phone" TEXT,
    "redirectUrl" TEXT,
    "callbackUrl" TEXT,
    "status" TEXT NOT NULL,
    "protocol" TEXT NOT NULL DEFAULT 'ecom',
    "deviceToken" TEXT,
    "account" TEXT,
    "presentation" TEXT,
    "scannedAt" DATETIME,
    "refundedAmount" INTEGER NOT NULL DEFAULT 0,
    "loanOfferName" TEXT,
    "loanTerm" INTEGER,
    "expiresAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_SandboxPayment" ("amount", "callbackUrl", "createdAt", "currency", "description", "expiresAt", "externalId", "id", "phone", "redirectUrl", "status", "updatedAt") SELECT "amount", "callbackUrl", "createdAt", "currency", "description", "expiresAt", "externalId", "id", "phone", "redirectUrl", "status", "updatedAt" FROM "SandboxPayment";
DROP TABLE "SandboxPayment";
ALTER TABLE "new_SandboxPayment" RENAME TO "SandboxPayment";
CREATE UNIQUE INDEX "SandboxPayment_externalId_key" ON "SandboxPayment"("externalId");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "KaspiGatewayTxn_txnId_key" ON "KaspiGatewayTxn"("txnId");

-- CreateIndex
CREATE UNIQUE INDEX "KaspiGatewayTxn_paymentId_key" ON "KaspiGatewayTxn"("paymentId");

-- CreateIndex
CREATE UNIQUE INDEX "SandboxQrDevice_deviceId_tradePointId_key" ON "SandboxQrDevice"("deviceId", "tradePointId");

