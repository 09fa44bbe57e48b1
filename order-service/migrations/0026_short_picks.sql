-- A short pick (shipping's SHIPMENT_SHORT_PICKED) of an outbound shipment: the plan of its
-- RESOURCE saga (oms.order.v1.ResourcePlan holding the event), kept with the shipment's row as
-- the shipped event is, whatever the order's status. The saga starts once the order is
-- confirmed; the units the event names leave what the shipment bills (shipment_charges.h), and
-- go to the shipments the saga makes.
ALTER TABLE order_shipments ADD COLUMN resource_plan bytea;
ALTER TABLE sagas DROP CONSTRAINT sagas_kind_check;
ALTER TABLE sagas ADD CONSTRAINT sagas_kind_check
  CHECK (kind IN ('ORDER', 'SHIPMENT', 'CANCEL', 'RETURN', 'RECEIVE', 'RESHIP', 'RESOURCE'));
