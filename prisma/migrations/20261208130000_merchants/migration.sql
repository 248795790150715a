-- Platform mode (docs/platform.md): merchants, each connecting its own Mercado Pago account by
-- OAuth. A store without a merchant belongs to the default merchant (MP_ACCESS_TOKEN's), so the
-- stores and sales made before this migration need no step of their own.

CREATE TABLE "merchants" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'not_connected',
    "mercadopago_user_id" TEXT,
    "site" TEXT,
    -- AES-256-GCM, sealed by src/token-crypto.ts; never the tokens themselves
    "access_token_sealed" TEXT,
    "refresh_token_sealed" TEXT,
    -- the id of the key that sealed both (key rotation: docs/platform.md#key-rotation)
    "token_key_id" TEXT,
    "token_expires_at" TIMESTAMPTZ(3),
    "connected_at" TIMESTAMPTZ(3),
    "disconnected_reason" TEXT,
    -- the refresh job's retries: when it next tries, and how many tries failed in a row
    "refresh_after" TIMESTAMPTZ(3),
    "refresh_failures" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "merchants_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "merchants_status_check" CHECK ("status" IN ('not_connected', 'connected', 'disconnected')),
    -- a connected merchant has both tokens, their key and their expiry
    CONSTRAINT "merchants_connected_check" CHECK (
        "status" <> 'connected' OR (
            "access_token_sealed" IS NOT NULL AND "refresh_token_sealed" IS NOT NULL AND
            "token_key_id" IS NOT NULL AND "token_expires_at" IS NOT NULL AND
            "mercadopago_user_id" IS NOT NULL
        )
    )
);

-- one Mercado Pago account, one connected merchant: notifications find their merchant by user_id
CREATE UNIQUE INDEX "merchants_connected_user_key" ON "merchants" ("mercadopago_user_id")
    WHERE "status" = 'connected';
-- the refresh job's question: which connected tokens are due
CREATE INDEX "merchants_token_expires_at_idx" ON "merchants" ("token_expires_at")
    WHERE "status" = 'connected';

-- One authorization in flight: single use (used_at), bound to its merchant, short-lived. The state
-- is kept as its SHA-256 only; the PKCE verifier is worthless without the seller's code.
CREATE TABLE "oauth_states" (
    "state_hash" TEXT NOT NULL,
    "merchant_id" UUID NOT NULL,
    "code_verifier" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "oauth_states_pkey" PRIMARY KEY ("state_hash"),
    CONSTRAINT "oauth_states_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE CASCADE
);
CREATE INDEX "oauth_states_merchant_id_idx" ON "oauth_states" ("merchant_id");

-- null: the default merchant (single-merchant mode, and every store from before)
ALTER TABLE "stores" ADD COLUMN "merchant_id" UUID;
ALTER TABLE "stores" ADD CONSTRAINT "stores_merchant_id_fkey" FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE RESTRICT;
CREATE INDEX "stores_merchant_id_idx" ON "stores" ("merchant_id");
