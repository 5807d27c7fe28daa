-- AlterTable
ALTER TABLE "Order" ADD COLUMN "customerEmail" TEXT;
ALTER TABLE "Order" ADD COLUMN "customerPhone" TEXT;
ALTER TABLE "Order" ADD COLUMN "items" TEXT;
ALTER TABLE "Order" ADD COLUMN "receiptUrl" TEXT;

-- CreateTable
CREATE TABLE "FiscalReceipt" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "paymentId" TEXT NOT NULL,
    "refundId" TEXT,
    "provider" TEXT NOT NULL,
    "cashbox" TEXT NOT NULL,
    "externalCheckNumber" TEXT NOT NULL,
    "document" TEXT NOT NULL,
    "total" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" DATETIME,
    "lastError" TEXT,
    "errorCode" INTEGER,
    "checkNumber" TEXT,
    "shiftNumber" INTEGER,
    "orderNumber" INTEGER,
    "registrationNumber" TEXT,
    "fiscalDateTime" TEXT,
    "offline" BOOLEAN,
    "ticketUrl" TEXT,
    "ticketPrintUrl" TEXT,
    "issuedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "FiscalReceipt_paymentId_fkey" FOREIGN KEY ("paymentId") REFERENCES "Payment" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "FiscalCashbox" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "lockedUntil" DATETIME,
    "lockedBy" TEXT,
    "blockedAt" DATETIME,
    "blockedReason" TEXT,
    "lastZReportDay" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "SandboxWebkassaCheck" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "cashbox" TEXT NOT NULL,
    "externalCheckNumber" TEXT NOT NULL,
    "operationType" INTEGER NOT NULL,
    "shiftNumber" INTEGER NOT NULL,
    "orderNumber" INTEGER NOT NULL,
    "total" REAL NOT NULL,
    "request" TEXT NOT NULL,
    "registeredAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "SandboxWebkassaShift" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "cashbox" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "openedAt" DATETIME NOT NULL,
    "closedAt" DATETIME
);

-- CreateTable
CREATE TABLE "SandboxWebkassaToken" (
    "token" TEXT NOT NULL PRIMARY KEY,
    "expiresAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateIndex
CREATE UNIQUE INDEX "FiscalReceipt_key_key" ON "FiscalReceipt"("key");

-- CreateIndex
CREATE UNIQUE INDEX "FiscalReceipt_externalCheckNumber_key" ON "FiscalReceipt"("externalCheckNumber");

-- CreateIndex
CREATE INDEX "FiscalReceipt_status_nextAttemptAt_idx" ON "FiscalReceipt"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "FiscalReceipt_paymentId_createdAt_idx" ON "FiscalReceipt"("paymentId", "createdAt");

-- CreateIndex
CREATE INDEX "SandboxWebkassaCheck_cashbox_shiftNumber_idx" ON "SandboxWebkassaCheck"("cashbox", "shiftNumber");

-- CreateIndex
CREATE UNIQUE INDEX "SandboxWebkassaCheck_cashbox_externalCheckNumber_key" ON "SandboxWebkassaCheck"("cashbox", "externalCheckNumber");

-- CreateIndex
CREATE UNIQUE INDEX "SandboxWebkassaShift_cashbox_number_key" ON "SandboxWebkassaShift"("cashbox", "number");

