-- LIVE access is gated (issue 14): an organization's TEST environment works at once, LIVE waits
-- until the operator enables it (organizations."liveAccess").
--
-- Existing organizations: one that ever had a LIVE key (of any kind, active, revoked or expired)
-- or a LIVE connection was already live, and must not be cut off by an upgrade: ENABLED. Every
-- other one (TEST only so far) is PENDING, like a new organization: its LIVE opens when the
-- operator enables it.

-- CreateEnum
CREATE TYPE "LiveAccess" AS ENUM ('PENDING', 'ENABLED');

-- AlterEnum
ALTER TYPE "EventType" ADD VALUE 'ORGANIZATION_LIVE_ACCESS_CHANGED';

-- AlterEnum
ALTER TYPE "WebhookEventType" ADD VALUE 'ORGANIZATION_LIVE_ACCESS_CHANGED';

-- AlterTable
ALTER TABLE "organizations" ADD COLUMN     "liveAccess" "LiveAccess" NOT NULL DEFAULT 'PENDING';

UPDATE "organizations" o SET "liveAccess" = 'ENABLED'
WHERE EXISTS (SELECT 1 FROM "api_keys" k WHERE k."organizationId" = o."id" AND k."environment" = 'LIVE')
   OR EXISTS (SELECT 1 FROM "connections" c WHERE c."organizationId" = o."id" AND c."environment" = 'LIVE');
