-- Backorders (docs/commerce.md). An order placed with backorder policy BACKORDER has the units no
-- warehouse had queued in inventory (allocation.backordered); a stock receipt fills them there
-- and inventory records each fill (ListBackorderFills), which order-service takes in in sequence
-- order (event_cursors 'backorders', moved in the transaction that takes a fill in).
--
-- How the order's backorders stand: an oms.order.v1.BackorderState, written by appending the
-- serialized change (serialized protobuf messages concatenated merge: the fills add up in
-- sequence order, `cancelled` once set stays). Read with the order; what each fill's shipment
-- bills follows from it (shipment_charges.h).
ALTER TABLE orders ADD COLUMN backorders bytea;

-- Each fill taken in, the payload of its BACKORDER saga (an oms.inventory.v1.BackorderFill),
-- which creates its shipment once the order is confirmed (started with the shipped shipments'
-- sagas, whatever comes first).
CREATE TABLE order_backorder_fills (
  sequence   bigint PRIMARY KEY,
  order_id   uuid NOT NULL REFERENCES orders (id),
  fill       bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_backorder_fills_by_order ON order_backorder_fills (order_id, sequence);

INSERT INTO event_cursors (stream, last_sequence) VALUES ('backorders', 0);

ALTER TABLE sagas DROP CONSTRAINT sagas_kind_check;
ALTER TABLE sagas ADD CONSTRAINT sagas_kind_check
  CHECK (kind IN ('ORDER', 'SHIPMENT', 'CANCEL', 'RETURN', 'RECEIVE', 'RESHIP', 'RESOURCE',
                  'REFUND', 'BACKORDER'));
