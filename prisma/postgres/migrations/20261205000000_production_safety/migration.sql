-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "mode" TEXT NOT NULL DEFAULT 'live';

-- AlterTable
ALTER TABLE "SandboxQrDevice" ADD COLUMN     "deletedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "MerchantSession" ADD COLUMN     "lastSeenAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "SandboxQrReturn" (
    "id" TEXT NOT NULL,
    "deviceToken" TEXT NOT NULL,
    "externalId" TEXT,
    "status" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SandboxQrReturn_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "QrReturn" (
    "id" TEXT NOT NULL,
    "paymentId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "qrReturnId" TEXT NOT NULL,
    "qrToken" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3),
    "pollIntervalMs" INTEGER NOT NULL,
    "lastCheckedAt" TIMESTAMP(3),
    "refundId" TEXT,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "QrReturn_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SignatureNonce" (
    "nonce" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SignatureNonce_pkey" PRIMARY KEY ("nonce")
);

-- CreateIndex
CREATE UNIQUE INDEX "QrReturn_qrReturnId_key" ON "QrReturn"("qrReturnId");

-- CreateIndex
CREATE INDEX "QrReturn_paymentId_createdAt_idx" ON "QrReturn"("paymentId", "createdAt");

-- CreateIndex
CREATE INDEX "SignatureNonce_expiresAt_idx" ON "SignatureNonce"("expiresAt");

-- CreateIndex
CREATE INDEX "LoginFailure_createdAt_idx" ON "LoginFailure"("createdAt");

