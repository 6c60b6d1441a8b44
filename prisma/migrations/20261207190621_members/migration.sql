-- CreateEnum
CREATE TYPE "MemberRole" AS ENUM ('OWNER', 'ADMIN', 'DEVELOPER', 'VIEWER');

-- AlterEnum
ALTER TYPE "ActorKind" ADD VALUE 'MEMBER';

-- AlterEnum
ALTER TYPE "ApiKeyKind" ADD VALUE 'MEMBER';

-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "authenticatedAt" TIMESTAMPTZ(3),
ADD COLUMN     "memberId" UUID;

-- AlterTable
ALTER TABLE "audit_events" ADD COLUMN     "actorMemberId" UUID;

-- AlterTable
ALTER TABLE "request_logs" ADD COLUMN     "memberId" UUID;

-- CreateTable
CREATE TABLE "members" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "role" "MemberRole" NOT NULL,
    "lastSignInAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "members_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sign_in_links" (
    "id" UUID NOT NULL,
    "memberId" UUID NOT NULL,
    "tokenHash" BYTEA NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "usedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sign_in_links_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "members_email_idx" ON "members"("email");

-- CreateIndex
CREATE UNIQUE INDEX "members_organizationId_email_key" ON "members"("organizationId", "email");

-- CreateIndex
CREATE UNIQUE INDEX "sign_in_links_tokenHash_key" ON "sign_in_links"("tokenHash");

-- CreateIndex
CREATE INDEX "sign_in_links_memberId_idx" ON "sign_in_links"("memberId");

-- CreateIndex
CREATE INDEX "sign_in_links_expiresAt_idx" ON "sign_in_links"("expiresAt");

-- CreateIndex
CREATE INDEX "api_keys_memberId_idx" ON "api_keys"("memberId");

-- AddForeignKey
ALTER TABLE "members" ADD CONSTRAINT "members_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sign_in_links" ADD CONSTRAINT "sign_in_links_memberId_fkey" FOREIGN KEY ("memberId") REFERENCES "members"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_memberId_fkey" FOREIGN KEY ("memberId") REFERENCES "members"("id") ON DELETE CASCADE ON UPDATE CASCADE;
