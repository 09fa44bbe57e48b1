-- The invariant check's audit (AuditOrderFacts) pages shipments by order id in byte order
-- (COLLATE "C"), the order every service's pages are merged in; shipments_by_order sorts by the
-- database's collation, which need not be that one.
CREATE INDEX shipments_by_order_bytes ON shipments (order_id COLLATE "C");
