-- CreateIndex
CREATE INDEX "Order_storeId_accountNumber_idx" ON "Order"("storeId", "accountNumber");

-- CreateIndex
CREATE INDEX "Order_storeId_phone_idx" ON "Order"("storeId", "phone");

-- CreateIndex
CREATE INDEX "Payment_storeId_status_createdAt_id_idx" ON "Payment"("storeId", "status", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Payment_storeId_paidAt_idx" ON "Payment"("storeId", "paidAt");

