-- Kaspi QR v3.9 to the letter: device/delete in the sandbox, r2 return QRs (sandbox and app).
ALTER TABLE "SandboxQrDevice" ADD COLUMN "deletedAt" DATETIME;

CREATE TABLE "SandboxQrReturn" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "deviceToken" TEXT NOT NULL,
    "externalId" TEXT,
    "status" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

CREATE TABLE "QrReturn" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "paymentId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "qrReturnId" TEXT NOT NULL,
    "qrToken" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "expiresAt" DATETIME,
    "pollIntervalMs" INTEGER NOT NULL,
    "lastCheckedAt" DATETIME,
    "refundId" TEXT,
    "createdById" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

CREATE UNIQUE INDEX "QrReturn_qrReturnId_key" ON "QrReturn"("qrReturnId");
CREATE INDEX "QrReturn_paymentId_createdAt_idx" ON "QrReturn"("paymentId", "createdAt");
