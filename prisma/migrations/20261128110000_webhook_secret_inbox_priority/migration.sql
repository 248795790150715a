-- CreateTable
-- Secrets the service makes for itself (the webhook secret when WEBHOOK_SECRET is unset): one row
-- per name, inserted once; replicas starting together all read the row that won the insert.
CREATE TABLE "service_secrets" (
    "name" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "service_secrets_pkey" PRIMARY KEY ("name")
);

-- AlterTable
-- Claim order: resources that may settle a pending sale (0) before those whose last read found
-- nothing (1) before re-reads of settled or foreign ones (2).
ALTER TABLE "notifications" ADD COLUMN "priority" SMALLINT NOT NULL DEFAULT 0;

-- The claim reads only unworked rows, in (priority, due_at) order.
DROP INDEX "notifications_due_at_idx";
CREATE INDEX "notifications_claim_idx" ON "notifications"("priority", "due_at") WHERE "processed_at" IS NULL;

-- Retention deletes worked rows by age.
CREATE INDEX "notifications_processed_at_idx" ON "notifications"("processed_at") WHERE "processed_at" IS NOT NULL;
