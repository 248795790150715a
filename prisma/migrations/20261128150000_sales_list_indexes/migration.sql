-- Refunded cents per sale; the day's close-out sums it. IF NOT EXISTS: the refunds work adds the
-- same column, and either migration may run first.
ALTER TABLE "sales" ADD COLUMN IF NOT EXISTS "refunded_cents" BIGINT NOT NULL DEFAULT 0;

-- The sales list walks (created_at, id) newest first, a keyset page at a time: each filter it
-- offers has an index that starts with the filter's equality column and then gives that order,
-- so a page (the first or the ten-thousandth) reads about `limit` index entries.
CREATE INDEX "sales_created_at_id_idx" ON "sales"("created_at" DESC, "id" DESC);
CREATE INDEX "sales_store_id_created_at_id_idx" ON "sales"("store_id", "created_at" DESC, "id" DESC);
CREATE INDEX "sales_pos_id_created_at_id_idx" ON "sales"("pos_id", "created_at" DESC, "id" DESC);
CREATE INDEX "sales_status_created_at_id_idx" ON "sales"("status", "created_at" DESC, "id" DESC);
