-- The day's money: whether a payment is still in process (the display must not offer the QR again)
-- and a chargeback on a paid sale. A dispute never changes the sale's status: the money was paid and
-- Mercado Pago may give it back to the merchant; { status, amountCents, openedAt, paymentId }.
-- Each payment's details (method, fee, net, release date …) live in the sale's payments JSON.
ALTER TABLE "sales" ADD COLUMN "payment_in_process" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "sales" ADD COLUMN "dispute" JSONB;
