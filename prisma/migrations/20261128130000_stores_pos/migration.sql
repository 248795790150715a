-- CreateTable
-- Stores registered at Mercado Pago through this service (or adopted: found there by external id).
-- request_hash tells an idempotent replay of the create from a conflicting reuse of the id.
CREATE TABLE "stores" (
    "external_id" TEXT NOT NULL,
    "mercadopago_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "location" JSONB NOT NULL,
    "request_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stores_pkey" PRIMARY KEY ("external_id")
);

-- CreateTable
-- POS of those stores with Mercado Pago's QR links; qr_content is what the QR encodes, read once
-- from Mercado Pago's own QR image so the service can render it (null until it could be read).
CREATE TABLE "pos" (
    "external_id" TEXT NOT NULL,
    "store_external_id" TEXT NOT NULL,
    "mercadopago_id" BIGINT NOT NULL,
    "name" TEXT NOT NULL,
    "category" INTEGER,
    "qr_image_url" TEXT,
    "qr_template_document_url" TEXT,
    "qr_template_image_url" TEXT,
    "qr_content" TEXT,
    "request_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "pos_pkey" PRIMARY KEY ("external_id")
);

-- CreateIndex
CREATE INDEX "pos_store_external_id_idx" ON "pos"("store_external_id");

-- AddForeignKey
ALTER TABLE "pos" ADD CONSTRAINT "pos_store_external_id_fkey" FOREIGN KEY ("store_external_id") REFERENCES "stores"("external_id") ON DELETE RESTRICT ON UPDATE CASCADE;
