-- Order versions: an edit of a confirmed order cancels its unshipped shipments and creates the
-- shipments of the order's new version (CreateShipments with AllocationGroup.order_version). A
-- shipment keeps the version it ships (0 for the order as placed, N >= 2 for its N-th version;
-- a re-sourced shipment or a replacement the version of the shipment it takes over), so that the
-- shipment and each of its events say which version they bill against. The default is stable, so
-- existing rows get 0 without a rewrite.
ALTER TABLE shipments ADD COLUMN order_version bigint NOT NULL DEFAULT 0;
-- Each version has its own first shipments: a new version may ship again from a warehouse whose
-- shipment of an earlier version was cancelled. Still one first shipment per warehouse and
-- version, whatever request creates it.
DROP INDEX shipments_outbound_group;
CREATE UNIQUE INDEX shipments_outbound_group ON shipments (order_id, warehouse_id, order_version)
  WHERE kind = 'OUTBOUND' AND replaces_shipment_id = '' AND resourced_from_shipment_id = ''
    AND backorder_fill_sequence = 0;
