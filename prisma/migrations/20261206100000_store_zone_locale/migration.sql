-- A store's own day and language. NULL means "not set": the store follows the site's default
-- (the capital's zone of MP_SITE or the token's site, and DEFAULT_LOCALE), read when used, so
-- a store nobody configured stays right if those settings change; PATCH /stores sets them.
ALTER TABLE "stores" ADD COLUMN "time_zone" TEXT,
ADD COLUMN "locale" TEXT;

ALTER TABLE "stores" ADD CONSTRAINT "stores_locale_check"
    CHECK ("locale" IN ('es', 'pt-BR', 'en'));
