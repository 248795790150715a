-- Webhook endpoints of one merchant (platform mode). An endpoint with no merchant is the
-- platform's and hears every sale, as before; one of a merchant hears only that merchant's sales.
ALTER TABLE "webhook_endpoints" ADD COLUMN "merchant_id" UUID;
ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_merchant_id_fkey"
    FOREIGN KEY ("merchant_id") REFERENCES "merchants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
CREATE INDEX "webhook_endpoints_merchant_id_idx" ON "webhook_endpoints"("merchant_id");

-- As before, plus the sale's merchant: its store's (null for the default merchant, and for a store
-- id no store row has). Deliveries go to the platform's endpoints and to that merchant's only, and
-- no event is stored while none of those listens.
CREATE OR REPLACE FUNCTION "outbound_record"(p_sale_id UUID, p_kind TEXT, p_key TEXT) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_type TEXT;
  v_sale sales;
  v_merchant UUID;
  v_key TEXT;
  v_seq BIGINT;
BEGIN
  SELECT event_type INTO v_type FROM outbound_event_kinds WHERE kind = p_kind;
  IF v_type IS NULL THEN RETURN; END IF;
  IF NOT EXISTS (SELECT 1 FROM webhook_endpoints
                  WHERE deleted_at IS NULL AND disabled_at IS NULL AND v_type = ANY(events)) THEN
    RETURN;
  END IF;
  SELECT * INTO v_sale FROM sales WHERE id = p_sale_id;
  IF NOT FOUND THEN RETURN; END IF;
  SELECT merchant_id INTO v_merchant FROM stores WHERE external_id = v_sale.store_id;
  IF NOT EXISTS (SELECT 1 FROM webhook_endpoints
                  WHERE deleted_at IS NULL AND disabled_at IS NULL AND v_type = ANY(events)
                    AND (merchant_id IS NULL OR merchant_id = v_merchant)) THEN
    RETURN;
  END IF;
  v_key := CASE v_type
    WHEN 'sale.refunded' THEN 'refunded:' || v_sale.refunded_cents
    WHEN 'sale.disputed' THEN 'disputed:' || coalesce(v_sale.dispute->>'paymentId', '')
    ELSE p_key END;
  INSERT INTO outbound_events (id, sale_id, type, dedupe_key, sale)
  VALUES ('evt_' || replace(gen_random_uuid()::text, '-', ''), p_sale_id, v_type, v_key,
          to_jsonb(v_sale))
  ON CONFLICT (sale_id, type, dedupe_key) DO NOTHING
  RETURNING seq INTO v_seq;
  IF v_seq IS NULL THEN
    -- the same change told twice (the refunded amount, then the move to 'refunded'): one event,
    -- whose later attempts carry the sale as it now is
    UPDATE outbound_events SET sale = to_jsonb(v_sale)
     WHERE sale_id = p_sale_id AND type = v_type AND dedupe_key = v_key;
    RETURN;
  END IF;
  INSERT INTO webhook_deliveries (endpoint_id, event_seq, sale_id)
  SELECT id, v_seq, p_sale_id FROM webhook_endpoints
   WHERE deleted_at IS NULL AND disabled_at IS NULL AND v_type = ANY(events)
     AND (merchant_id IS NULL OR merchant_id = v_merchant)
  ON CONFLICT DO NOTHING;
  PERFORM pg_notify('webhook_due', '');
END;
$$;
