-- Outbound events (webhooks to the store's own systems), as an outbox: every event is written by
-- the database itself in the transaction of the change it reports, so no writer (any replica, the
-- sweeper, the refund resolver) can change a sale without its event, and no event exists for a
-- change that rolled back. Events come from the sale's history rows (sale_events), from the
-- sale's refunded amount growing (partial refunds, refunds made at Mercado Pago) and from a refund
-- failing; one table, outbound_event_kinds, maps each kind of change to the event it announces, so
-- a new kind of history row (e.g. 'disputed') becomes an event by adding a row.

CREATE TABLE "webhook_endpoints" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "url" TEXT NOT NULL,
    "events" TEXT[] NOT NULL,
    "description" TEXT,
    "secret" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deleted_at" TIMESTAMPTZ(3),
    "failing_since" TIMESTAMPTZ(3),
    "disabled_at" TIMESTAMPTZ(3),
    "disabled_reason" TEXT,
    CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "outbound_event_kinds" (
    "kind" TEXT NOT NULL,
    "event_type" TEXT NOT NULL,
    CONSTRAINT "outbound_event_kinds_pkey" PRIMARY KEY ("kind")
);

-- kind: a history row's `kind` column or detail.kind when it has one, else its to_status;
-- 'refund': the refunded amount grew; 'refund_failed': a refund asked here failed
INSERT INTO "outbound_event_kinds" ("kind", "event_type") VALUES
    ('pending', 'sale.created'),
    ('paid', 'sale.paid'),
    ('cancelled', 'sale.cancelled'),
    ('expired', 'sale.expired'),
    ('failed', 'sale.failed'),
    ('refunded', 'sale.refunded'),
    ('refund', 'sale.refunded'),
    ('refund_failed', 'refund.failed'),
    ('disputed', 'sale.disputed');

CREATE TABLE "outbound_events" (
    "seq" BIGSERIAL NOT NULL,
    "id" TEXT NOT NULL,
    "sale_id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    -- one event per change: sale.refunded is keyed by the refunded amount it reports, so the
    -- amount growing and the move to 'refunded' that follows it are one event, not two
    "dedupe_key" TEXT NOT NULL,
    -- the sales row as it was when the event happened (to_jsonb), presented at delivery
    "sale" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "outbound_events_pkey" PRIMARY KEY ("seq")
);
CREATE UNIQUE INDEX "outbound_events_id_key" ON "outbound_events"("id");
CREATE UNIQUE INDEX "outbound_events_sale_id_type_dedupe_key_key" ON "outbound_events"("sale_id", "type", "dedupe_key");
ALTER TABLE "outbound_events" ADD CONSTRAINT "outbound_events_sale_id_fkey" FOREIGN KEY ("sale_id") REFERENCES "sales"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "webhook_deliveries" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "endpoint_id" UUID NOT NULL,
    "event_seq" BIGINT NOT NULL,
    "sale_id" UUID NOT NULL,
    -- pending | succeeded | failed
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    -- due time; a claim pushes it ahead (the lease), so a killed process's attempt is retried
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    -- retries run for the configured window from here (the event, or a manual retry)
    "window_start" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_attempt_at" TIMESTAMPTZ(3),
    "last_status_code" INTEGER,
    "last_latency_ms" INTEGER,
    "last_error" TEXT,
    "delivered_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "webhook_deliveries_status_check" CHECK ("status" IN ('pending', 'succeeded', 'failed'))
);
CREATE UNIQUE INDEX "webhook_deliveries_endpoint_id_event_seq_key" ON "webhook_deliveries"("endpoint_id", "event_seq");
CREATE INDEX "webhook_deliveries_due_idx" ON "webhook_deliveries"("next_attempt_at") WHERE "status" = 'pending';
CREATE INDEX "webhook_deliveries_order_idx" ON "webhook_deliveries"("endpoint_id", "sale_id", "event_seq") WHERE "status" = 'pending';
CREATE INDEX "webhook_deliveries_endpoint_id_created_at_idx" ON "webhook_deliveries"("endpoint_id", "created_at" DESC);
CREATE INDEX "webhook_deliveries_sale_id_idx" ON "webhook_deliveries"("sale_id");
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_event_seq_fkey" FOREIGN KEY ("event_seq") REFERENCES "outbound_events"("seq") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "webhook_attempts" (
    "id" BIGSERIAL NOT NULL,
    "delivery_id" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "status_code" INTEGER,
    "latency_ms" INTEGER NOT NULL,
    "error" TEXT,
    CONSTRAINT "webhook_attempts_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "webhook_attempts_delivery_id_id_idx" ON "webhook_attempts"("delivery_id", "id");
ALTER TABLE "webhook_attempts" ADD CONSTRAINT "webhook_attempts_delivery_id_fkey" FOREIGN KEY ("delivery_id") REFERENCES "webhook_deliveries"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Records one event of `p_kind` for a sale, and a delivery for every endpoint listening to it.
-- Nothing is stored while no endpoint listens (a sale costs no row for events nobody wants).
CREATE FUNCTION "outbound_record"(p_sale_id UUID, p_kind TEXT, p_key TEXT) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_type TEXT;
  v_sale sales;
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
  ON CONFLICT DO NOTHING;
  PERFORM pg_notify('webhook_due', '');
END;
$$;

CREATE FUNCTION "outbound_from_history"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM outbound_record(NEW.sale_id,
    coalesce(to_jsonb(NEW)->>'kind',
             CASE WHEN jsonb_typeof(NEW.detail) = 'object' THEN NEW.detail->>'kind' END,
             NEW.to_status),
    'history:' || NEW.id);
  RETURN NULL;
END;
$$;
CREATE TRIGGER "outbound_from_history" AFTER INSERT ON "sale_events"
    FOR EACH ROW EXECUTE FUNCTION "outbound_from_history"();

CREATE FUNCTION "outbound_from_sale"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.refunded_cents > OLD.refunded_cents THEN
    PERFORM outbound_record(NEW.id, 'refund', '');
  END IF;
  IF NEW.dispute IS NOT NULL AND OLD.dispute IS NULL THEN
    PERFORM outbound_record(NEW.id, 'disputed', '');
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER "outbound_from_sale" AFTER UPDATE OF "refunded_cents", "dispute" ON "sales"
    FOR EACH ROW EXECUTE FUNCTION "outbound_from_sale"();

CREATE FUNCTION "outbound_from_refund"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'failed' AND OLD.status <> 'failed' THEN
    PERFORM outbound_record(NEW.sale_id, 'refund_failed', 'refund:' || NEW.id);
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER "outbound_from_refund" AFTER UPDATE OF "status" ON "refunds"
    FOR EACH ROW EXECUTE FUNCTION "outbound_from_refund"();
