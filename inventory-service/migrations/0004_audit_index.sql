-- The invariant check's audit (AuditOrderFacts) pages reservations by order id in byte order
-- (COLLATE "C"), the order every service's pages are merged in; the UNIQUE index on order_id
-- sorts by the database's collation, which need not be that one.
CREATE INDEX reservations_by_order_bytes ON reservations (order_id COLLATE "C");
