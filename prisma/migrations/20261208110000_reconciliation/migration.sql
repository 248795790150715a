-- Reconciliation of a store's day with Mercado Pago's ledger (docs/reconciliation.md).

-- One row per store and day: the run's lease (owner, lease_until, heartbeat_at) so at most one
-- process works a day at a time, and its progress (generation, next_offset) so a run cut short
-- resumes at the page it stopped at. A new run of a finished day starts a new generation.
CREATE TABLE "reconciliation_runs" (
    "store_id" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "state" TEXT NOT NULL,
    "generation" INTEGER NOT NULL DEFAULT 1,
    "owner" TEXT,
    "lease_until" TIMESTAMPTZ(3),
    "heartbeat_at" TIMESTAMPTZ(3),
    "next_offset" INTEGER NOT NULL DEFAULT 0,
    "pages" INTEGER NOT NULL DEFAULT 0,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "checked_at" TIMESTAMPTZ(3),
    "error" TEXT,
    CONSTRAINT "reconciliation_runs_pkey" PRIMARY KEY ("store_id", "day"),
    CONSTRAINT "reconciliation_runs_state_check" CHECK ("state" IN ('running', 'done'))
);
CREATE INDEX "reconciliation_runs_running_idx" ON "reconciliation_runs"("lease_until")
    WHERE "state" = 'running';

-- The payments Mercado Pago listed for the day, as read page by page: keyed by payment, so a
-- page read twice (a resumed run) counts once.
CREATE TABLE "reconciliation_ledger" (
    "store_id" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "payment_id" TEXT NOT NULL,
    "external_reference" TEXT,
    "status" TEXT NOT NULL,
    "amount_cents" BIGINT NOT NULL,
    "refunded_cents" BIGINT NOT NULL,
    CONSTRAINT "reconciliation_ledger_pkey" PRIMARY KEY ("store_id", "day", "payment_id"),
    CONSTRAINT "reconciliation_ledger_run_fkey" FOREIGN KEY ("store_id", "day")
        REFERENCES "reconciliation_runs"("store_id", "day") ON DELETE CASCADE
);

-- Each discrepancy once per store, day, kind and payment/reference: found again by a later run it
-- is the same row (no second alert); a run that no longer finds it marks it resolved.
CREATE TABLE "reconciliation_discrepancies" (
    "id" BIGSERIAL NOT NULL,
    "store_id" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "kind" TEXT NOT NULL,
    "payment_id" TEXT NOT NULL DEFAULT '',
    "external_reference" TEXT NOT NULL DEFAULT '',
    "amount_cents" BIGINT,
    "detail" TEXT NOT NULL,
    "sale_id" UUID,
    "found_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
    "resolved_at" TIMESTAMPTZ(3),
    CONSTRAINT "reconciliation_discrepancies_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "reconciliation_discrepancies_kind_check" CHECK ("kind" IN
        ('paid_here_not_there', 'paid_there_not_here', 'amount_mismatch', 'refund_not_recorded', 'chargeback'))
);
CREATE UNIQUE INDEX "reconciliation_discrepancies_once"
    ON "reconciliation_discrepancies"("store_id", "day", "kind", "payment_id", "external_reference");

-- A discrepancy is told in the sale's history, by its own source.
ALTER TABLE "sale_events" DROP CONSTRAINT "sale_events_source_check";
ALTER TABLE "sale_events" ADD CONSTRAINT "sale_events_source_check"
    CHECK ("source" IN ('create', 'webhook', 'reconcile', 'staff', 'expiry', 'reconciliation'));
