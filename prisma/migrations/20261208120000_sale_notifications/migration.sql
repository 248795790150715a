-- A sale's notifications, both ways, in its history: what each Mercado Pago notification's
-- x-signature said and what its read found (the sale it led to, the sale's status then), and the
-- refund a refund.failed event is about. Also what retention needs to delete old events in order.

-- the last delivery's x-signature: true verified, false did not verify (an order notification for
-- a pending sale of ours is still read), null none was checked (QR notifications come unsigned)
ALTER TABLE "notifications" ADD COLUMN "signature_valid" BOOLEAN;
-- the sale the last read led to; null: not read yet, nothing found, or not ours
ALTER TABLE "notifications" ADD COLUMN "sale_id" UUID;
-- what the last read found: not_found | not_ours | the sale's status after it
ALTER TABLE "notifications" ADD COLUMN "read_outcome" TEXT;
CREATE INDEX "notifications_sale_id_idx" ON "notifications"("sale_id") WHERE "sale_id" IS NOT NULL;
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_sale_id_fkey" FOREIGN KEY ("sale_id") REFERENCES "sales"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- the refunds row a refund.failed event reports, as it was when it failed (to_jsonb)
ALTER TABLE "outbound_events" ADD COLUMN "refund" JSONB;

CREATE OR REPLACE FUNCTION "outbound_from_refund"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'failed' AND OLD.status <> 'failed' THEN
    PERFORM outbound_record(NEW.sale_id, 'refund_failed', 'refund:' || NEW.id);
    UPDATE outbound_events SET refund = to_jsonb(NEW)
     WHERE sale_id = NEW.sale_id AND type = 'refund.failed' AND dedupe_key = 'refund:' || NEW.id;
  END IF;
  RETURN NULL;
END;
$$;

-- retention walks events oldest first
CREATE INDEX "outbound_events_created_at_idx" ON "outbound_events"("created_at");
