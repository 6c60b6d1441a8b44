-- DropIndex
DROP INDEX "api_keys_expiresAt_idx";

-- DropIndex
DROP INDEX "request_logs_organizationId_environment_seq_idx";

-- CreateIndex
CREATE INDEX "api_keys_unended_idx" ON "api_keys"("organizationId", "kind", "createdAt") WHERE ("revokedAt" IS NULL AND "expiryRecordedAt" IS NULL);

-- CreateIndex
CREATE INDEX "api_keys_expiry_due_idx" ON "api_keys"("expiresAt") WHERE ("revokedAt" IS NULL AND "expiryRecordedAt" IS NULL);

-- CreateIndex
CREATE INDEX "connections_organizationId_environment_createdAt_idx" ON "connections"("organizationId", "environment", "createdAt");

-- CreateIndex
CREATE INDEX "request_logs_organizationId_environment_createdAt_seq_idx" ON "request_logs"("organizationId", "environment", "createdAt", "seq");

-- CreateIndex
CREATE INDEX "request_logs_organizationId_environment_keyId_createdAt_seq_idx" ON "request_logs"("organizationId", "environment", "keyId", "createdAt", "seq");

-- CreateIndex
CREATE INDEX "webhook_deliveries_updatedAt_idx" ON "webhook_deliveries"("updatedAt");
