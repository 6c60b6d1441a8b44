-- CreateTable
CREATE TABLE "signing_secrets" (
    "id" UUID NOT NULL,
    "organizationId" UUID NOT NULL,
    "sealed" BYTEA NOT NULL,
    "retiresAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "signing_secrets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "seen_signatures" (
    "signature" VARCHAR(64) NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "seen_signatures_pkey" PRIMARY KEY ("signature")
);

-- CreateIndex
CREATE INDEX "signing_secrets_organizationId_createdAt_idx" ON "signing_secrets"("organizationId", "createdAt");

-- CreateIndex
CREATE INDEX "seen_signatures_expiresAt_idx" ON "seen_signatures"("expiresAt");

-- AddForeignKey
ALTER TABLE "signing_secrets" ADD CONSTRAINT "signing_secrets_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE;
