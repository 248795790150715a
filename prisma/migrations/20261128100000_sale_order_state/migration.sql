-- Where a sale's order stands on its POS: 'publishing' (stored, PUT not confirmed), 'on_pos' (the
-- PUT was answered or the POS shows it), 'withdrawing' (a DELETE of our order is owed),
-- 'withdrawn' (off the POS). Pending sales of earlier versions had their PUT confirmed.
ALTER TABLE "sales" ADD COLUMN "order_state" TEXT NOT NULL DEFAULT 'withdrawn';
UPDATE "sales" SET "order_state" = 'on_pos' WHERE "status" = 'pending';
ALTER TABLE "sales" ALTER COLUMN "order_state" DROP DEFAULT;
ALTER TABLE "sales" ADD CONSTRAINT "sales_order_state_check"
    CHECK ("order_state" IN ('publishing', 'on_pos', 'withdrawing', 'withdrawn'));

-- Why a create failed (the HTTP status, code, message and details it answered), so a replay
-- answers the same.
ALTER TABLE "sales" ADD COLUMN "failure" JSONB;

-- next_check_at NULL: the sweeper owes the sale nothing. Settled sales owe nothing, except
-- failed, cancelled and expired ones whose order could still be paid: they are watched until
-- expires_at plus 2 minutes.
ALTER TABLE "sales" ALTER COLUMN "next_check_at" DROP NOT NULL;
UPDATE "sales" SET "next_check_at" = NULL
 WHERE "status" IN ('paid', 'refunded')
    OR ("status" IN ('failed', 'cancelled', 'expired')
        AND "expires_at" + interval '2 minutes' <= now());

-- The sweeper's claim walks only sales that owe something (not expressible in schema.prisma).
DROP INDEX "sales_status_next_check_at_idx";
CREATE INDEX "sales_next_check_at_due_idx" ON "sales"("next_check_at")
    WHERE "next_check_at" IS NOT NULL;
