-- CreateEnum
CREATE TYPE "EventType" AS ENUM ('CONNECTION_STATUS_CHANGED', 'API_KEY_CREATED', 'API_KEY_UPDATED', 'API_KEY_ROTATED', 'API_KEY_REVOKED', 'API_KEY_EXPIRED');

-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "expiryRecordedAt" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "organizations" ADD COLUMN     "eventSeq" BIGINT NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "events" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "environment" "Environment" NOT NULL,
    "position" BIGINT NOT NULL,
    "type" "EventType" NOT NULL,
    "connectionId" UUID,
    "apiKeyId" UUID,
    "data" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "events_organizationId_environment_position_idx" ON "events"("organizationId", "environment", "position");

-- CreateIndex
CREATE UNIQUE INDEX "events_organizationId_position_key" ON "events"("organizationId", "position");

-- CreateIndex
CREATE INDEX "api_keys_expiresAt_idx" ON "api_keys"("expiresAt");

-- AddForeignKey
ALTER TABLE "events" ADD CONSTRAINT "events_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
