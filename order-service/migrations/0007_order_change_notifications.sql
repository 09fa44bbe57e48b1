-- Wake the order's watchers (WatchOrder, on every replica) when its timeline grows: a status
-- change or a saga step. PostgreSQL delivers the NOTIFY on commit, once per order and transaction.
CREATE FUNCTION notify_order_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'saga_journal' THEN
    PERFORM pg_notify('oms_order_changed', (SELECT order_id::text FROM sagas WHERE id = NEW.saga_id));
  ELSE
    PERFORM pg_notify('oms_order_changed', NEW.order_id::text);
  END IF;
  RETURN NULL;
END;
$$;

CREATE TRIGGER order_status_history_notify AFTER INSERT ON order_status_history
  FOR EACH ROW EXECUTE FUNCTION notify_order_changed();
CREATE TRIGGER saga_journal_notify AFTER INSERT ON saga_journal
  FOR EACH ROW EXECUTE FUNCTION notify_order_changed();
