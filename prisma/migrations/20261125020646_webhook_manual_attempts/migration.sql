-- AlterTable
ALTER TABLE "webhook_deliveries" ADD COLUMN     "manualAttempts" INTEGER NOT NULL DEFAULT 0;
