-- Short picks (ReportShortPick): a warehouse that cannot find some units of an outbound shipment
-- takes them off its lines, once per shipment. The flag is what makes it once: the report locks
-- the shipment's row and refuses a second one (ALREADY_SHORT_PICKED), whatever its request id.
-- The defaults are stable, so existing rows get them without a rewrite.
ALTER TABLE shipments ADD COLUMN short_picked boolean NOT NULL DEFAULT false;
-- The units a short pick took off are sent from the order's other stock as new outbound
-- shipments (CreateShipments with AllocationGroup.resourced_from_shipment_id), which name the
-- shipment that short-picked them ('' for any other shipment).
ALTER TABLE shipments ADD COLUMN resourced_from_shipment_id text NOT NULL DEFAULT '';
-- Such a shipment may leave from a warehouse that already ships the order (the stock found may
-- be there): the group index covers only the shipments that neither replace nor re-source.
DROP INDEX shipments_outbound_group;
CREATE UNIQUE INDEX shipments_outbound_group ON shipments (order_id, warehouse_id)
  WHERE kind = 'OUTBOUND' AND replaces_shipment_id = '' AND resourced_from_shipment_id = '';
-- One shipment per short-picked shipment and warehouse, whatever request creates it: a second
-- create of the same group under another request id is refused instead of sending the units
-- twice.
CREATE UNIQUE INDEX shipments_resourced_group ON shipments (resourced_from_shipment_id,
                                                             warehouse_id)
  WHERE resourced_from_shipment_id <> '';
