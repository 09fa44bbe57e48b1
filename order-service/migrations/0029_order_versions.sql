-- Order edits (ModifyOrder, docs/commerce.md section 3). An order's version is 1 as placed; the
-- EDIT saga that takes an edit into effect (the transaction that saves its pivot, the
-- cancellation of the old version's shipments) writes the new version into orders (snapshot,
-- allocation, totals) and keeps both versions here, so every version an order had stays
-- readable. The default is stable, so existing rows get it without a rewrite.
ALTER TABLE orders ADD COLUMN version bigint NOT NULL DEFAULT 1;

CREATE TABLE order_versions (
  order_id    uuid NOT NULL REFERENCES orders (id),
  version     bigint NOT NULL,
  -- The captured order of that version (oms.order.v1.Order) and its allocation.
  snapshot    bytea NOT NULL,
  allocation  bytea,
  total_minor bigint NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id, version)
);

-- An edit runs as the order's EDIT saga, its subject the edit's request id.
ALTER TABLE sagas DROP CONSTRAINT sagas_kind_check;
ALTER TABLE sagas ADD CONSTRAINT sagas_kind_check
  CHECK (kind IN ('ORDER', 'SHIPMENT', 'CANCEL', 'RETURN', 'RECEIVE', 'RESHIP', 'RESOURCE',
                  'REFUND', 'BACKORDER', 'EDIT'));
