-- Backorder fills: the units an order's reservation queued wait for stock; a receipt takes them off
-- the queue and holds them at one warehouse (inventory's BackorderFill), and they are sent as a
-- new outbound shipment (CreateShipments with AllocationGroup.backorder_fill_sequence). Such a
-- shipment keeps the fill's sequence (0 for any other shipment), so that the shipment and each of
-- its events say which fill it ships, as a re-sourced one names the shipment that short-picked its
-- units. The default is stable, so existing rows get it without a rewrite.
ALTER TABLE shipments ADD COLUMN backorder_fill_sequence bigint NOT NULL DEFAULT 0;
-- Such a shipment may leave from a warehouse that already ships the order (the receipt may be
-- there): the group index covers only the order's first shipments, which neither replace,
-- re-source nor ship a fill.
DROP INDEX shipments_outbound_group;
CREATE UNIQUE INDEX shipments_outbound_group ON shipments (order_id, warehouse_id)
  WHERE kind = 'OUTBOUND' AND replaces_shipment_id = '' AND resourced_from_shipment_id = ''
    AND backorder_fill_sequence = 0;
-- One shipment per fill of the order, whatever request creates it and from whichever warehouse:
-- a second create of the same fill under another request id is refused instead of sending the
-- units twice. Two fills at one warehouse are two shipments.
CREATE UNIQUE INDEX shipments_backorder_fill ON shipments (order_id, backorder_fill_sequence)
  WHERE backorder_fill_sequence <> 0;
