-- Each outbound shipment of an order as shipping's events report it, whatever the order's status
-- (PENDING included): the order's fulfilment status is derived from these rows (fulfilment.h) by
-- every writer of orders.status. An event may come before the order saga saved the shipments its
-- ship step created (the coordinator stopped between shipping's answer and the save), so the row
-- is made by whichever comes first; the ship step's save never overwrites what an event recorded.
-- Orders whose shipments were saved before this migration have no rows until their next event:
-- until then orders.shipments, which stays the order's list of shipments, says their status.
CREATE TABLE order_shipments (
  shipment_id   text PRIMARY KEY,
  order_id      uuid NOT NULL REFERENCES orders (id),
  warehouse_id  text NOT NULL,
  -- shipping's name of the shipment's status (SHIPMENT_STATUS_...), as its last event said.
  status        text NOT NULL,
  -- The SHIPMENT_SHIPPED event (oms.shipping.v1.OutboxEvent): the payload of the shipment's saga,
  -- which starts once the order saga has confirmed the order.
  shipped_event bytea,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_shipments_by_order ON order_shipments (order_id, created_at);
