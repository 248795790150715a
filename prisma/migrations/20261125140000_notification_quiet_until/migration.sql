-- AlterTable
ALTER TABLE "notifications" ADD COLUMN "quiet_until" TIMESTAMPTZ(3);
