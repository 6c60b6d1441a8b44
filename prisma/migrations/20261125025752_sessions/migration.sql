-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "parentId" UUID;

-- AlterTable
ALTER TABLE "organizations" ADD COLUMN     "sessionIdleTimeoutSeconds" INTEGER NOT NULL DEFAULT 3600;

-- CreateIndex
CREATE INDEX "api_keys_parentId_idx" ON "api_keys"("parentId");

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "api_keys"("id") ON DELETE CASCADE ON UPDATE CASCADE;
