-- Money refunded at Mercado Pago for a sale, in cents: by this service or directly at Mercado
-- Pago (their panel, a chargeback), as the merchant order shows it. Only ever grows.
ALTER TABLE "sales" ADD COLUMN IF NOT EXISTS "refunded_cents" BIGINT NOT NULL DEFAULT 0;

-- Refunds asked of this service. A row is written, under the sale's row lock, before Mercado
-- Pago is called: its amount is reserved while it is 'requested', so concurrent refunds never
-- add up to more than was paid. 'parts' is the plan across the sale's payments
-- ([{payment_id, amount_cents, state, mp_refund_id, known_refund_ids}]) and what came of each.
CREATE TABLE "refunds" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "sale_id" UUID NOT NULL,
    "idempotency_key" TEXT,
    "requested_cents" BIGINT,
    "amount_cents" BIGINT NOT NULL,
    "refunded_cents" BIGINT NOT NULL DEFAULT 0,
    "status" TEXT NOT NULL,
    "parts" JSONB NOT NULL DEFAULT '[]',
    "failure" JSONB,
    "next_check_at" TIMESTAMPTZ(3),
    "check_attempts" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "refunds_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "refunds_status_check" CHECK ("status" IN ('requested', 'done', 'failed')),
    CONSTRAINT "refunds_amount_check" CHECK ("amount_cents" > 0)
);

ALTER TABLE "refunds" ADD CONSTRAINT "refunds_sale_id_fkey"
    FOREIGN KEY ("sale_id") REFERENCES "sales"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A client's Idempotency-Key names one refund of one sale (NULLs, refunds without a key, are
-- distinct).
CREATE UNIQUE INDEX "refunds_sale_id_idempotency_key_key" ON "refunds"("sale_id", "idempotency_key");
CREATE INDEX "refunds_sale_id_idx" ON "refunds"("sale_id");
-- The resolver walks only refunds whose outcome at Mercado Pago is still unknown.
CREATE INDEX "refunds_next_check_at_due_idx" ON "refunds"("next_check_at")
    WHERE "status" = 'requested';
