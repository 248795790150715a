-- A refund Mercado Pago accepted but has not made yet (an Orders API refund `processing`, a
-- payment refund `in_process`) is 'processing': its amount stays reserved, it is not money back,
-- and the resolver reads it until Mercado Pago ends it processed (done) or not (failed).
ALTER TABLE "refunds" DROP CONSTRAINT "refunds_status_check";
ALTER TABLE "refunds" ADD CONSTRAINT "refunds_status_check"
    CHECK ("status" IN ('requested', 'processing', 'done', 'failed'));

DROP INDEX "refunds_next_check_at_due_idx";
CREATE INDEX "refunds_next_check_at_due_idx" ON "refunds"("next_check_at")
    WHERE "status" IN ('requested', 'processing');
