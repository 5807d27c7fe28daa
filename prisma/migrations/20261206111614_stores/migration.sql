-- CreateTable
CREATE TABLE "Store" (
    "id" TEXT NOT NULL PRIMARY KEY,
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
    "tokenExpiresAt" DATETIME,
    "applicationToken" TEXT,
    "tokenLockedUntil" DATETIME,
    "tokenLockedBy" TEXT,
    "scope" TEXT,
    "installedAt" DATETIME,
    "uninstalledAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Order" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "storeId" TEXT NOT NULL DEFAULT 'default',
    "externalId" TEXT NOT NULL,
    "accountNumber" TEXT,
    "amount" INTEGER NOT NULL,
    "currency" TEXT NOT NULL,
    "phone" TEXT,
    "description" TEXT,
    "returnUrl" TEXT,
    "lang" TEXT,
    "checkoutToken" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "paidAt" DATETIME,
    "kaspiStage" TEXT,
    "kaspiLoan" TEXT,
    "mode" TEXT NOT NULL DEFAULT 'live',
    "items" TEXT,
    "customerEmail" TEXT,
    "customerPhone" TEXT,
    "receiptUrl" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_Order" ("accountNumber", "amount", "checkoutToken", "createdAt", "currency", "customerEmail", "customerPhone", "description", "externalId", "id", "items", "kaspiLoan", "kaspiStage", "lang", "mode", "paidAt", "phone", "receiptUrl", "returnUrl", "status", "updatedAt") SELECT "accountNumber", "amount", "checkoutToken", "createdAt", "currency", "customerEmail", "customerPhone", "description", "externalId", "id", "items", "kaspiLoan", "kaspiStage", "lang", "mode", "paidAt", "phone", "receiptUrl", "returnUrl", "status", "updatedAt" FROM "Order";
DROP TABLE "Order";
ALTER TABLE "new_Order" RENAME TO "Order";
CREATE UNIQUE INDEX "Order_checkoutToken_key" ON "Order"("checkoutToken");
CREATE INDEX "Order_storeId_createdAt_idx" ON "Order"("storeId", "createdAt");
CREATE INDEX "Order_status_createdAt_idx" ON "Order"("status", "createdAt");
CREATE INDEX "Order_createdAt_idx" ON "Order"("createdAt");
CREATE INDEX "Order_accountNumber_idx" ON "Order"("accountNumber");
CREATE INDEX "Order_phone_idx" ON "Order"("phone");
CREATE UNIQUE INDEX "Order_storeId_externalId_key" ON "Order"("storeId", "externalId");
CREATE TABLE "new_Payment" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "storeId" TEXT NOT NULL DEFAULT 'default',
    "orderId" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "protocol" TEXT NOT NULL,
    "kaspiExternalId" TEXT NOT NULL,
    "kaspiPaymentId" TEXT,
    "amount" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "paymentLink" TEXT,
    "qrFormat" TEXT,
    "qrValue" TEXT,
    "expiresAt" DATETIME,
    "paidAt" DATETIME,
    "lastError" TEXT,
    "kaspiMeta" TEXT,
    "kaspiTxnDate" TEXT,
    "nextCheckAt" DATETIME,
    "checkCount" INTEGER NOT NULL DEFAULT 0,
    "refundedAmount" INTEGER NOT NULL DEFAULT 0,
    "refundingAmount" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Payment_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_Payment" ("amount", "attempt", "checkCount", "createdAt", "expiresAt", "id", "kaspiExternalId", "kaspiMeta", "kaspiPaymentId", "kaspiTxnDate", "lastError", "nextCheckAt", "orderId", "paidAt", "paymentLink", "protocol", "qrFormat", "qrValue", "refundedAmount", "refundingAmount", "status", "updatedAt") SELECT "amount", "attempt", "checkCount", "createdAt", "expiresAt", "id", "kaspiExternalId", "kaspiMeta", "kaspiPaymentId", "kaspiTxnDate", "lastError", "nextCheckAt", "orderId", "paidAt", "paymentLink", "protocol", "qrFormat", "qrValue", "refundedAmount", "refundingAmount", "status", "updatedAt" FROM "Payment";
DROP TABLE "Payment";
ALTER TABLE "new_Payment" RENAME TO "Payment";
CREATE UNIQUE INDEX "Payment_kaspiPaymentId_key" ON "Payment"("kaspiPaymentId");
CREATE INDEX "Payment_storeId_createdAt_id_idx" ON "Payment"("storeId", "createdAt", "id");
CREATE INDEX "Payment_status_nextCheckAt_idx" ON "Payment"("status", "nextCheckAt");
CREATE INDEX "Payment_createdAt_id_idx" ON "Payment"("createdAt", "id");
CREATE INDEX "Payment_status_createdAt_id_idx" ON "Payment"("status", "createdAt", "id");
CREATE INDEX "Payment_status_amount_refundedAmount_idx" ON "Payment"("status", "amount", "refundedAmount");
CREATE INDEX "Payment_paidAt_idx" ON "Payment"("paidAt");
CREATE UNIQUE INDEX "Payment_orderId_attempt_key" ON "Payment"("orderId", "attempt");
CREATE UNIQUE INDEX "Payment_storeId_kaspiExternalId_key" ON "Payment"("storeId", "kaspiExternalId");
CREATE TABLE "new_Outbox" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "storeId" TEXT NOT NULL DEFAULT 'default',
    "orderId" TEXT NOT NULL,
    "paymentId" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lockedUntil" DATETIME,
    "lockedBy" TEXT,
    "deliveredAt" DATETIME,
    "lastError" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Outbox_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Outbox_paymentId_fkey" FOREIGN KEY ("paymentId") REFERENCES "Payment" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_Outbox" ("attempts", "createdAt", "deliveredAt", "event", "id", "lastError", "lockedBy", "lockedUntil", "nextAttemptAt", "orderId", "payload", "paymentId", "updatedAt") SELECT "attempts", "createdAt", "deliveredAt", "event", "id", "lastError", "lockedBy", "lockedUntil", "nextAttemptAt", "orderId", "payload", "paymentId", "updatedAt" FROM "Outbox";
DROP TABLE "Outbox";
ALTER TABLE "new_Outbox" RENAME TO "Outbox";
CREATE INDEX "Outbox_deliveredAt_nextAttemptAt_idx" ON "Outbox"("deliveredAt", "nextAttemptAt");
CREATE UNIQUE INDEX "Outbox_paymentId_event_key" ON "Outbox"("paymentId", "event");
CREATE TABLE "new_KaspiGatewayTxn" (
    "seq" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "storeId" TEXT NOT NULL DEFAULT 'default',
    "txnId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "paymentId" TEXT NOT NULL,
    "account" TEXT NOT NULL,
    "amount" INTEGER NOT NULL,
    "txnDate" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
INSERT INTO "new_KaspiGatewayTxn" ("account", "amount", "createdAt", "orderId", "paymentId", "seq", "txnDate", "txnId") SELECT "account", "amount", "createdAt", "orderId", "paymentId", "seq", "txnDate", "txnId" FROM "KaspiGatewayTxn";
DROP TABLE "KaspiGatewayTxn";
ALTER TABLE "new_KaspiGatewayTxn" RENAME TO "KaspiGatewayTxn";
CREATE UNIQUE INDEX "KaspiGatewayTxn_paymentId_key" ON "KaspiGatewayTxn"("paymentId");
CREATE UNIQUE INDEX "KaspiGatewayTxn_storeId_txnId_key" ON "KaspiGatewayTxn"("storeId", "txnId");
CREATE TABLE "new_QrReturn" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "storeId" TEXT NOT NULL DEFAULT 'default',
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
INSERT INTO "new_QrReturn" ("createdAt", "createdById", "expiresAt", "id", "lastCheckedAt", "orderId", "paymentId", "pollIntervalMs", "qrReturnId", "qrToken", "refundId", "status", "updatedAt") SELECT "createdAt", "createdById", "expiresAt", "id", "lastCheckedAt", "orderId", "paymentId", "pollIntervalMs", "qrReturnId", "qrToken", "refundId", "status", "updatedAt" FROM "QrReturn";
DROP TABLE "QrReturn";
ALTER TABLE "new_QrReturn" RENAME TO "QrReturn";
CREATE UNIQUE INDEX "QrReturn_qrReturnId_key" ON "QrReturn"("qrReturnId");
CREATE INDEX "QrReturn_paymentId_createdAt_idx" ON "QrReturn"("paymentId", "createdAt");
CREATE TABLE "new_Refund" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "storeId" TEXT NOT NULL DEFAULT 'default',
    "paymentId" TEXT NOT NULL,
    "orderId" TEXT NOT NULL,
    "amount" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "idempotencyKey" TEXT,
    "kaspiRefundId" TEXT,
    "lastError" TEXT,
    "createdById" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "settledAt" DATETIME,
    CONSTRAINT "Refund_paymentId_fkey" FOREIGN KEY ("paymentId") REFERENCES "Payment" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_Refund" ("amount", "createdAt", "createdById", "id", "idempotencyKey", "kaspiRefundId", "lastError", "orderId", "paymentId", "settledAt", "status", "updatedAt") SELECT "amount", "createdAt", "createdById", "id", "idempotencyKey", "kaspiRefundId", "lastError", "orderId", "paymentId", "settledAt", "status", "updatedAt" FROM "Refund";
DROP TABLE "Refund";
ALTER TABLE "new_Refund" RENAME TO "Refund";
CREATE INDEX "Refund_paymentId_createdAt_idx" ON "Refund"("paymentId", "createdAt");
CREATE UNIQUE INDEX "Refund_storeId_idempotencyKey_key" ON "Refund"("storeId", "idempotencyKey");
CREATE TABLE "new_MerchantUser" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "storeId" TEXT NOT NULL DEFAULT 'default',
    "email" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "disabledAt" DATETIME,
    "lastLoginAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);
INSERT INTO "new_MerchantUser" ("createdAt", "disabledAt", "email", "id", "lastLoginAt", "passwordHash", "role", "updatedAt") SELECT "createdAt", "disabledAt", "email", "id", "lastLoginAt", "passwordHash", "role", "updatedAt" FROM "MerchantUser";
DROP TABLE "MerchantUser";
ALTER TABLE "new_MerchantUser" RENAME TO "MerchantUser";
CREATE UNIQUE INDEX "MerchantUser_email_key" ON "MerchantUser"("email");
CREATE INDEX "MerchantUser_storeId_idx" ON "MerchantUser"("storeId");
CREATE TABLE "new_SignatureNonce" (
    "storeId" TEXT NOT NULL DEFAULT 'default',
    "nonce" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL,

    PRIMARY KEY ("storeId", "nonce")
);
INSERT INTO "new_SignatureNonce" ("expiresAt", "nonce") SELECT "expiresAt", "nonce" FROM "SignatureNonce";
DROP TABLE "SignatureNonce";
ALTER TABLE "new_SignatureNonce" RENAME TO "SignatureNonce";
CREATE INDEX "SignatureNonce_expiresAt_idx" ON "SignatureNonce"("expiresAt");
CREATE TABLE "new_FiscalReceipt" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "storeId" TEXT NOT NULL DEFAULT 'default',
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
INSERT INTO "new_FiscalReceipt" ("attempts", "cashbox", "checkNumber", "createdAt", "document", "errorCode", "externalCheckNumber", "fiscalDateTime", "id", "issuedAt", "key", "kind", "lastError", "nextAttemptAt", "offline", "orderId", "orderNumber", "paymentId", "provider", "refundId", "registrationNumber", "sentAt", "shiftNumber", "status", "ticketPrintUrl", "ticketUrl", "total", "updatedAt") SELECT "attempts", "cashbox", "checkNumber", "createdAt", "document", "errorCode", "externalCheckNumber", "fiscalDateTime", "id", "issuedAt", "key", "kind", "lastError", "nextAttemptAt", "offline", "orderId", "orderNumber", "paymentId", "provider", "refundId", "registrationNumber", "sentAt", "shiftNumber", "status", "ticketPrintUrl", "ticketUrl", "total", "updatedAt" FROM "FiscalReceipt";
DROP TABLE "FiscalReceipt";
ALTER TABLE "new_FiscalReceipt" RENAME TO "FiscalReceipt";
CREATE UNIQUE INDEX "FiscalReceipt_key_key" ON "FiscalReceipt"("key");
CREATE UNIQUE INDEX "FiscalReceipt_externalCheckNumber_key" ON "FiscalReceipt"("externalCheckNumber");
CREATE INDEX "FiscalReceipt_status_nextAttemptAt_idx" ON "FiscalReceipt"("status", "nextAttemptAt");
CREATE INDEX "FiscalReceipt_paymentId_createdAt_idx" ON "FiscalReceipt"("paymentId", "createdAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "Store_memberId_key" ON "Store"("memberId");

-- CreateIndex
CREATE UNIQUE INDEX "Store_checkoutKey_key" ON "Store"("checkoutKey");

