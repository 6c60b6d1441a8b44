-- Signing secrets per environment. Existing rows keep environment NULL: a secret from before
-- this migration counts for TEST and LIVE alike until start-up (SigningService.upgradeLegacySecrets)
-- makes it the TEST row and seals a LIVE copy anew, which SQL cannot do (the row id is the
-- AES-GCM associated data).

-- DropIndex
DROP INDEX "signing_secrets_organizationId_createdAt_idx";

-- AlterTable
ALTER TABLE "signing_secrets" ADD COLUMN     "environment" "Environment";

-- CreateIndex
CREATE INDEX "signing_secrets_organizationId_environment_createdAt_idx" ON "signing_secrets"("organizationId", "environment", "createdAt");
