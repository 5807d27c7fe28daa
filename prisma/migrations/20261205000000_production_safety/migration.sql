-- Production safety: every order knows its mode, signature nonces are remembered across
-- instances, sessions have an idle timeout, failed sign-ins expire by age.
ALTER TABLE "Order" ADD COLUMN "mode" TEXT NOT NULL DEFAULT 'live';

ALTER TABLE "MerchantSession" ADD COLUMN "lastSeenAt" DATETIME;

CREATE INDEX "LoginFailure_createdAt_idx" ON "LoginFailure"("createdAt");

CREATE TABLE "SignatureNonce" (
    "nonce" TEXT NOT NULL PRIMARY KEY,
    "expiresAt" DATETIME NOT NULL
);

CREATE INDEX "SignatureNonce_expiresAt_idx" ON "SignatureNonce"("expiresAt");
