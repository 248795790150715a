-- CreateTable
CREATE TABLE "sales" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "external_reference" TEXT NOT NULL,
    "store_id" TEXT NOT NULL,
    "pos_id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "items" JSONB NOT NULL,
    "taxes" JSONB,
    "total_cents" BIGINT NOT NULL,
    "status" TEXT NOT NULL,
    "merchant_order_id" BIGINT,
    "merchant_order_status" TEXT,
    "paid_cents" BIGINT NOT NULL DEFAULT 0,
    "payments" JSONB NOT NULL DEFAULT '[]',
    "request_hash" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "paid_at" TIMESTAMPTZ(3),
    "cancelled_at" TIMESTAMPTZ(3),
    "next_check_at" TIMESTAMPTZ(3) NOT NULL,
    "check_attempts" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sales_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sale_events" (
    "id" BIGSERIAL NOT NULL,
    "sale_id" UUID NOT NULL,
    "from_status" TEXT,
    "to_status" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "merchant_order_id" BIGINT,
    "detail" JSONB,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sale_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "notifications" (
    "id" BIGSERIAL NOT NULL,
    "topic" TEXT NOT NULL,
    "resource_id" BIGINT NOT NULL,
    "first_received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deliveries" INTEGER NOT NULL DEFAULT 1,
    "due_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "processed_at" TIMESTAMPTZ(3),

    CONSTRAINT "notifications_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "sales_external_reference_key" ON "sales"("external_reference");

-- CreateIndex
CREATE INDEX "sales_status_next_check_at_idx" ON "sales"("status", "next_check_at");

-- CreateIndex
CREATE INDEX "sales_status_expires_at_idx" ON "sales"("status", "expires_at");

-- CreateIndex
CREATE INDEX "sale_events_sale_id_id_idx" ON "sale_events"("sale_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "notifications_topic_resource_id_key" ON "notifications"("topic", "resource_id");

-- CreateIndex
CREATE INDEX "notifications_due_at_idx" ON "notifications"("due_at");

-- AddForeignKey
ALTER TABLE "sale_events" ADD CONSTRAINT "sale_events_sale_id_fkey" FOREIGN KEY ("sale_id") REFERENCES "sales"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Not expressible in schema.prisma: the POS has one order slot, so at most one pending sale per POS.
CREATE UNIQUE INDEX "sales_one_pending_per_pos" ON "sales"("pos_id") WHERE "status" = 'pending';

-- Not expressible in schema.prisma: the closed vocabularies and money invariants.
ALTER TABLE "sales" ADD CONSTRAINT "sales_status_check"
    CHECK ("status" IN ('pending', 'paid', 'cancelled', 'expired', 'failed', 'refunded'));
ALTER TABLE "sales" ADD CONSTRAINT "sales_total_positive_check" CHECK ("total_cents" > 0);
ALTER TABLE "sale_events" ADD CONSTRAINT "sale_events_source_check"
    CHECK ("source" IN ('create', 'webhook', 'reconcile', 'staff', 'expiry'));
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_topic_check"
    CHECK ("topic" IN ('merchant_order', 'payment'));
