-- Platform mode (docs/platform.md#notifications): each notification names the merchant whose
-- token reads it (null: the default merchant, MP_ACCESS_TOKEN's, as every row before this).
-- A hint, as the rest of the row: no foreign key, so a forged merchant id costs one row and a
-- failed read, never a refused batch of deliveries.
ALTER TABLE "notifications" ADD COLUMN "merchant_id" UUID;

-- One row per resource and merchant: the same id told of under two merchants (two accounts'
-- resources, or a forged hint) never merges into one read with one token. NULLS NOT DISTINCT:
-- the default merchant's deliveries of one resource still coalesce into one row.
DROP INDEX "notifications_topic_resource_id_key";
CREATE UNIQUE INDEX "notifications_topic_resource_id_merchant_id_key"
    ON "notifications"("topic", "resource_id", "merchant_id") NULLS NOT DISTINCT;

-- The claim takes each merchant's due rows in turn (fair across merchants): it walks the
-- merchants with work and, for each, its rows in priority and due order.
DROP INDEX "notifications_claim_idx";
CREATE INDEX "notifications_claim_idx" ON "notifications"("merchant_id", "priority", "due_at")
    WHERE "processed_at" IS NULL;
