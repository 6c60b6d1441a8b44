-- CreateEnum
CREATE TYPE "ConnectionStatus" AS ENUM ('ONBOARDING', 'PENDING', 'CONNECTED', 'REJECTED', 'REVOKED');

-- CreateEnum
CREATE TYPE "ConnectionDirection" AS ENUM ('BUY', 'SELL');

-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "connectionId" UUID,
ADD COLUMN     "encryptedSecret" BYTEA;

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "kycApprovedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "connections" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "environment" "Environment" NOT NULL,
    "ref" VARCHAR(128),
    "status" "ConnectionStatus" NOT NULL,
    "direction" "ConnectionDirection",
    "iban" VARCHAR(34),
    "address" VARCHAR(100),
    "callbackUrl" VARCHAR(2048),
    "depositIban" VARCHAR(34),
    "depositAddress" VARCHAR(100),
    "statusReason" VARCHAR(500),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "connections_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "consent_tokens" (
    "id" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "tokenHash" BYTEA NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "usedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "consent_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "users_email_key" ON "users"("email");

-- CreateIndex
CREATE INDEX "connections_organizationId_environment_status_createdAt_idx" ON "connections"("organizationId", "environment", "status", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "connections_organizationId_environment_userId_key" ON "connections"("organizationId", "environment", "userId");

-- CreateIndex
CREATE UNIQUE INDEX "connections_organizationId_environment_ref_key" ON "connections"("organizationId", "environment", "ref");

-- CreateIndex
CREATE UNIQUE INDEX "consent_tokens_tokenHash_key" ON "consent_tokens"("tokenHash");

-- CreateIndex
CREATE INDEX "consent_tokens_connectionId_idx" ON "consent_tokens"("connectionId");

-- CreateIndex
CREATE INDEX "api_keys_connectionId_createdAt_idx" ON "api_keys"("connectionId", "createdAt");

-- AddForeignKey
ALTER TABLE "connections" ADD CONSTRAINT "connections_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "connections" ADD CONSTRAINT "connections_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "consent_tokens" ADD CONSTRAINT "consent_tokens_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;
