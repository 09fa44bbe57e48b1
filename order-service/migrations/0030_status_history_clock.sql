-- Status changes recorded in one transaction keep the order they were recorded in. The timeline
-- and WatchOrder sort a transaction's rows by their recorded time, and now() is the time the
-- transaction started, the same for every row: the shipment feed takes several events in per
-- commit (a parcel's SHIPPED and DELIVERED, say), and an order's DELIVERED and COMPLETED can
-- share one too.
ALTER TABLE order_status_history ALTER COLUMN created_at SET DEFAULT clock_timestamp();
