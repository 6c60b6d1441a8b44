-- AlterTable
ALTER TABLE "audit_events" ADD COLUMN     "hash" CHAR(64);
