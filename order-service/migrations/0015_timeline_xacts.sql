-- Each status change and saga journal entry names the PostgreSQL transaction that recorded it,
-- so that WatchOrder's resume position follows commit order rather than recorded times (an event
-- that commits late must not fall behind a position a client already holds). The default is
-- stable, so existing rows get this migration's transaction without a rewrite.
ALTER TABLE order_status_history ADD COLUMN xact xid8 NOT NULL DEFAULT pg_current_xact_id();
ALTER TABLE saga_journal ADD COLUMN xact xid8 NOT NULL DEFAULT pg_current_xact_id();
