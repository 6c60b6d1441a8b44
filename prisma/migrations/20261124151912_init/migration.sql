-- CreateEnum
CREATE TYPE "Environment" AS ENUM ('TEST', 'LIVE');

-- CreateEnum
CREATE TYPE "OrganizationStatus" AS ENUM ('ACTIVE', 'INACTIVE');

-- CreateEnum
CREATE TYPE "UserKeyRecovery" AS ENUM ('ENCRYPTED', 'NONE');

-- CreateEnum
CREATE TYPE "ApiKeyKind" AS ENUM ('PARTNER', 'USER', 'SESSION');

-- CreateEnum
CREATE TYPE "Permission" AS ENUM ('CONNECTIONS_READ', 'CONNECTIONS_WRITE', 'KEYS_READ', 'KEYS_WRITE', 'WEBHOOKS_WRITE', 'LOGS_READ', 'ORDERS_CREATE', 'ORDERS_READ', 'BALANCE_READ', 'WITHDRAWALS_CREATE');

-- CreateEnum
CREATE TYPE "ActorKind" AS ENUM ('OPERATOR', 'PARTNER_KEY', 'USER_KEY', 'SYSTEM');

-- CreateTable
CREATE TABLE "organizations" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "status" "OrganizationStatus" NOT NULL DEFAULT 'ACTIVE',
    "disabledPermissions" "Permission"[] DEFAULT ARRAY[]::"Permission"[],
    "userKeyRecovery" "UserKeyRecovery" NOT NULL DEFAULT 'ENCRYPTED',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "organizations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL,
    "keyId" VARCHAR(8) NOT NULL,
    "kind" "ApiKeyKind" NOT NULL,
    "organizationId" UUID NOT NULL,
    "environment" "Environment" NOT NULL,
    "name" VARCHAR(64) NOT NULL,
    "permissions" "Permission"[],
    "allowedIps" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "allowedRecipients" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "secretHash" BYTEA NOT NULL,
    "expiresAt" TIMESTAMPTZ(3),
    "revokedAt" TIMESTAMPTZ(3),
    "lastUsedAt" TIMESTAMPTZ(3),
    "successorId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "seq" BIGSERIAL NOT NULL,
    "id" UUID NOT NULL,
    "organizationId" UUID,
    "environment" "Environment",
    "actorKind" "ActorKind" NOT NULL,
    "actorKeyId" VARCHAR(8),
    "action" VARCHAR(64) NOT NULL,
    "targetType" VARCHAR(32) NOT NULL,
    "targetId" TEXT,
    "ip" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_keyId_key" ON "api_keys"("keyId");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_successorId_key" ON "api_keys"("successorId");

-- CreateIndex
CREATE INDEX "api_keys_organizationId_kind_createdAt_idx" ON "api_keys"("organizationId", "kind", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "audit_events_id_key" ON "audit_events"("id");

-- CreateIndex
CREATE INDEX "audit_events_organizationId_seq_idx" ON "audit_events"("organizationId", "seq");

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_successorId_fkey" FOREIGN KEY ("successorId") REFERENCES "api_keys"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
