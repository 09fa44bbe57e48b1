-- Each payment transaction row names the PostgreSQL transaction that recorded it. A watcher of
-- the order (order-service's WatchOrder) resumes by commit, not by clock: a capture recorded
-- before a slow provider call commits after rows recorded later, and the snapshot xmin of a read
-- (ListPaymentsResponse.xact_floor) tells which transactions that read is sure to have seen.
-- The default is stable, so existing rows get this migration's transaction without a rewrite.
ALTER TABLE payment_transactions ADD COLUMN xact xid8 NOT NULL DEFAULT pg_current_xact_id();
