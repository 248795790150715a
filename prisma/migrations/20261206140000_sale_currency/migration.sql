-- The currency a sale is in (ISO 4217: ARS, BRL, CLP, COP, MXN, PEN, UYU), from the site the
-- service runs as when the sale was made. Amounts stay integer cents (hundredths of the unit) for
-- every currency; a CLP or COP sale's are multiples of 100. Sales stored before this column have
-- none: boot fills them with the site's currency (the index keeps that a no-op once done).
ALTER TABLE "sales" ADD COLUMN "currency" TEXT;

CREATE INDEX "sales_currency_unset_idx" ON "sales"("id") WHERE "currency" IS NULL;
