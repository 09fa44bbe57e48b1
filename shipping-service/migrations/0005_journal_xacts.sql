-- Each journal entry names the PostgreSQL transaction that recorded it, so that a watcher of
-- the order (order-service's WatchOrder) resumes by commit, not by clock: with the snapshot xmin
-- of a read (ListShipmentsResponse.xact_floor) it knows which entries that read is sure to have
-- seen. The default is stable, so existing rows get this migration's transaction without a
-- rewrite.
ALTER TABLE shipment_journal ADD COLUMN xact xid8 NOT NULL DEFAULT pg_current_xact_id();
