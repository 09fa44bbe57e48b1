-- The invariant check's audit (AuditOrderFacts) pages payments, invoices and the sandbox
-- provider's approved authorizations by order id in byte order (COLLATE "C"), the order every
-- service's pages are merged in; the existing indexes sort by the database's collation, which
-- need not be that one. An authorization's key is 'oms-auth:' and the order id, so the key's
-- byte order is the order id's.
CREATE INDEX payments_by_order_bytes ON payments (order_id COLLATE "C");
CREATE INDEX invoices_by_order_bytes ON invoices (order_id COLLATE "C");
CREATE INDEX sandbox_provider_authorizations_by_key_bytes
  ON sandbox_provider_operations (idempotency_key COLLATE "C")
  WHERE operation = 'AUTHORIZE' AND outcome = 'APPROVED';
