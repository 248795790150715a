-- Every change of a sale is announced on the channel 'sale_changed', by the database itself: a
-- trigger catches every writer (any replica, the sweeper, a hand-made UPDATE), and the notice is
-- sent only when the writing transaction commits. Live streams and long polls LISTEN on it and
-- re-read the sale; the payload is small (well below NOTIFY's 8000 bytes): id, reference, status,
-- store and POS, so a filtered stream can skip what is not its own without a read. The sweeper's
-- own bookkeeping (next_check_at, check_attempts) changes nothing a reader sees and is not
-- announced, or every claim of a pending sale would wake every stream.
CREATE FUNCTION "sales_notify_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND (to_jsonb(OLD) - 'next_check_at' - 'check_attempts')
         IS NOT DISTINCT FROM (to_jsonb(NEW) - 'next_check_at' - 'check_attempts') THEN
    RETURN NULL;
  END IF;
  PERFORM pg_notify('sale_changed', json_build_object(
    'id', NEW.id, 'ref', NEW.external_reference, 'status', NEW.status,
    'store_id', NEW.store_id, 'pos_id', NEW.pos_id)::text);
  RETURN NULL;
END;
$$;

CREATE TRIGGER "sales_notify_change"
    AFTER INSERT OR UPDATE ON "sales"
    FOR EACH ROW EXECUTE FUNCTION "sales_notify_change"();

