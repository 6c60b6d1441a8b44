-- KYC approvals per environment (issue 13, finding 1).
--
-- Before: one platform-wide column, users."kycApprovedAt", set by every KYC approval, including
-- the sandbox's (advanceSandboxConnection ONBOARDING -> PENDING with a TEST key, and
-- createSandboxUser). Any LIVE connectUser of that e-mail, in any organization, then skipped
-- onboarding. Now an approval is a row of kyc_approvals per (user, environment), and a
-- connection looks only at its own environment's row.
--
-- Existing approvals: the old column does not say which environment approved the user, so the
-- evidence in the audit trail decides. Every transition ONBOARDING -> PENDING is a KYC approval
-- and is recorded as an audit row `connection.status_changed` with details {from: ONBOARDING,
-- to: PENDING}, the environment of the connection, and the connection's id as target.
--   * LIVE: only a user with such a LIVE row for one of its connections (in LIVE only the
--     operator's decideOnboarding makes that transition; the sandbox is TEST only) counts as
--     approved for LIVE, at the time of the latest such row. A user approved with no evidence of
--     a LIVE approval (sandbox approvals, createSandboxUser's dummy users, rows whose audit trail
--     is gone) is NOT approved for LIVE: its next LIVE connection goes through ONBOARDING and
--     the operator decides again. Failing that way costs one more KYC decision; failing the other
--     way would let a sandbox action approve a real user.
--   * TEST: every other existing approval counts for TEST (a TEST approval row, a sandbox user,
--     or no evidence at all): the sandbox keeps behaving as before, and a TEST approval grants
--     nothing in LIVE. A user whose only evidence is LIVE counts for LIVE only.
-- Users without an approval get no row. The column is dropped last, in the same migration.

-- CreateTable
CREATE TABLE "kyc_approvals" (
    "userId" UUID NOT NULL,
    "environment" "Environment" NOT NULL,
    "approvedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "kyc_approvals_pkey" PRIMARY KEY ("userId","environment")
);

-- AddForeignKey
ALTER TABLE "kyc_approvals" ADD CONSTRAINT "kyc_approvals_userId_fkey" FOREIGN KEY ("userId") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The evidence: approvals (ONBOARDING -> PENDING) recorded in the audit trail, per user and environment.
CREATE TEMPORARY TABLE "kyc_evidence" AS
SELECT c."userId" AS "userId", a."environment" AS "environment", max(a."createdAt") AS "approvedAt"
FROM "audit_events" a
JOIN "connections" c ON c."id"::text = a."targetId" AND c."environment" = a."environment"
JOIN "users" u ON u."id" = c."userId" AND u."kycApprovedAt" IS NOT NULL
WHERE a."action" = 'connection.status_changed'
  AND a."targetType" = 'connection'
  AND a."details"->>'from' = 'ONBOARDING'
  AND a."details"->>'to' = 'PENDING'
  AND a."environment" IS NOT NULL
GROUP BY c."userId", a."environment";

-- LIVE: evidence of a LIVE approval only.
INSERT INTO "kyc_approvals" ("userId", "environment", "approvedAt")
SELECT e."userId", 'LIVE', e."approvedAt" FROM "kyc_evidence" e WHERE e."environment" = 'LIVE';

-- TEST: evidence of a TEST approval, or an approval with no LIVE evidence at all.
INSERT INTO "kyc_approvals" ("userId", "environment", "approvedAt")
SELECT u."id", 'TEST', coalesce(t."approvedAt", u."kycApprovedAt")
FROM "users" u
LEFT JOIN "kyc_evidence" t ON t."userId" = u."id" AND t."environment" = 'TEST'
WHERE u."kycApprovedAt" IS NOT NULL
  AND (t."userId" IS NOT NULL
       OR NOT EXISTS (SELECT 1 FROM "kyc_evidence" l WHERE l."userId" = u."id" AND l."environment" = 'LIVE'));

DROP TABLE "kyc_evidence";

-- AlterTable
ALTER TABLE "users" DROP COLUMN "kycApprovedAt";
