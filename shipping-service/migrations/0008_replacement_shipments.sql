-- Replacement shipments (CreateReplacementShipment): a parcel RETURNED_TO_SENDER is reshipped as
-- a new outbound shipment of the same order, warehouse, destination and lines, which names the
-- shipment it replaces ('' for a shipment that replaces nothing). The default is stable, so
-- existing rows get '' without a rewrite.
ALTER TABLE shipments ADD COLUMN replaces_shipment_id text NOT NULL DEFAULT '';
-- One outbound shipment per warehouse group of an order still, but a replacement goes out from
-- the same warehouse as its original: the group index covers the shipments that replace nothing.
DROP INDEX shipments_outbound_group;
CREATE UNIQUE INDEX shipments_outbound_group ON shipments (order_id, warehouse_id)
  WHERE kind = 'OUTBOUND' AND replaces_shipment_id = '';
-- At most one replacement per shipment, whatever request creates it; and how a request for a
-- shipment already replaced finds that replacement.
CREATE UNIQUE INDEX shipments_replacement ON shipments (replaces_shipment_id)
  WHERE replaces_shipment_id <> '';
