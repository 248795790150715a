-- The day close lists the disputes of a store's day, also those opened on it for older sales: a
-- partial index over the (few) disputed sales, so that read does not scan the store's history.
CREATE INDEX "sales_disputed_store_id_updated_at_idx" ON "sales" ("store_id", "updated_at") WHERE "dispute" IS NOT NULL;
