-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "customerEmail" TEXT,
ADD COLUMN     "customerPhone" TEXT,
ADD COLUMN     "items" TEXT,
ADD COLUMN     "receiptUrl" TEXT;

-- CreateTable
CREATE TABLE "FiscalReceipt" (
    "id" TEXT NOT NULL,
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
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMP(3),
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
    "issuedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FiscalReceipt_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FiscalCashbox" (
    "id" TEXT NOT NULL,
    "lockedUntil" TIMESTAMP(3),
    "lockedBy" TEXT,
    "blockedAt" TIMESTAMP(3),
    "blockedReason" TEXT,
    "lastZReportDay" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FiscalCashbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SandboxWebkassaCheck" (
    "id" TEXT NOT NULL,
    "cashbox" TEXT NOT NULL,
    "externalCheckNumber" TEXT NOT NULL,
    "operationType" INTEGER NOT NULL,
    "shiftNumber" INTEGER NOT NULL,
    "orderNumber" INTEGER NOT NULL,
    "total" DOUBLE PRECISION NOT NULL,
    "request" TEXT NOT NULL,
    "registeredAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SandboxWebkassaCheck_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SandboxWebkassaShift" (
    "id" TEXT NOT NULL,
    "cashbox" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "openedAt" TIMESTAMP(3) NOT NULL,
    "closedAt" TIMESTAMP(3),

    CONSTRAINT "SandboxWebkassaShift_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SandboxWebkassaToken" (
    "token" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SandboxWebkassaToken_pkey" PRIMARY KEY ("token")
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

-- AddForeignKey
ALTER TABLE "FiscalReceipt" ADD CONSTRAINT "FiscalReceipt_paymentId_fkey" FOREIGN KEY ("paymentId") REFERENCES "Payment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

