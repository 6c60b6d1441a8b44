-- CreateEnum
CREATE TYPE "WebhookDeliveryState" AS ENUM ('PENDING', 'SUCCEEDED', 'FAILED', 'CANCELLED');

-- AlterEnum
ALTER TYPE "EventType" ADD VALUE 'WEBHOOK_ENDPOINT_DISABLED';

-- AlterTable
ALTER TABLE "webhook_endpoints" ADD COLUMN     "failingSince" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "environment" "Environment" NOT NULL,
    "endpointId" UUID,
    "callbackUrl" VARCHAR(2100),
    "eventId" UUID,
    "type" VARCHAR(64) NOT NULL,
    "payload" JSONB NOT NULL,
    "sealedApiKey" BYTEA,
    "state" "WebhookDeliveryState" NOT NULL DEFAULT 'PENDING',
    "attemptCount" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMPTZ(3),
    "leaseUntil" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_attempts" (
    "seq" BIGSERIAL NOT NULL,
    "id" UUID NOT NULL,
    "deliveryId" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "environment" "Environment" NOT NULL,
    "number" INTEGER NOT NULL,
    "manual" BOOLEAN NOT NULL DEFAULT false,
    "url" VARCHAR(2100) NOT NULL,
    "succeeded" BOOLEAN NOT NULL,
    "statusCode" INTEGER,
    "durationMs" INTEGER NOT NULL,
    "error" VARCHAR(300),
    "nextAttemptAt" TIMESTAMPTZ(3),
    "attemptedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "webhook_attempts_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE INDEX "webhook_deliveries_state_nextAttemptAt_idx" ON "webhook_deliveries"("state", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "webhook_deliveries_endpointId_state_idx" ON "webhook_deliveries"("endpointId", "state");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_attempts_id_key" ON "webhook_attempts"("id");

-- CreateIndex
CREATE INDEX "webhook_attempts_organizationId_environment_seq_idx" ON "webhook_attempts"("organizationId", "environment", "seq");

-- CreateIndex
CREATE INDEX "webhook_attempts_deliveryId_seq_idx" ON "webhook_attempts"("deliveryId", "seq");

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_endpointId_fkey" FOREIGN KEY ("endpointId") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_eventId_fkey" FOREIGN KEY ("eventId") REFERENCES "events"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_attempts" ADD CONSTRAINT "webhook_attempts_deliveryId_fkey" FOREIGN KEY ("deliveryId") REFERENCES "webhook_deliveries"("id") ON DELETE CASCADE ON UPDATE CASCADE;
