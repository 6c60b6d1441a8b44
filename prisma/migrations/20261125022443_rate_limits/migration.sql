-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "rateLimitRequests" INTEGER;

-- AlterTable
ALTER TABLE "organizations" ADD COLUMN     "rateLimitRequests" INTEGER NOT NULL DEFAULT 1000,
ADD COLUMN     "rateLimitWindowSeconds" INTEGER NOT NULL DEFAULT 60;
