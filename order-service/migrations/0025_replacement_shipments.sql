-- A replacement of a parcel returned to sender (ReshipShipment) names the shipment it replaces:
-- it counts in the order's status in that one's place, and gets no SHIPMENT saga (its goods were
-- committed and paid for when the parcel first shipped). Its RESHIP saga is a kind of its own.
ALTER TABLE order_shipments ADD COLUMN replaces text NOT NULL DEFAULT '';
ALTER TABLE sagas DROP CONSTRAINT sagas_kind_check;
ALTER TABLE sagas ADD CONSTRAINT sagas_kind_check
  CHECK (kind IN ('ORDER', 'SHIPMENT', 'CANCEL', 'RETURN', 'RECEIVE', 'RESHIP'));
