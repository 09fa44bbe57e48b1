-- The other decision on a parcel returned to sender: a REFUND saga restocks its goods and
-- refunds its invoice whole (RefundShipment). A parcel gets one decision, RESHIP or REFUND.
ALTER TABLE sagas DROP CONSTRAINT sagas_kind_check;
ALTER TABLE sagas ADD CONSTRAINT sagas_kind_check
  CHECK (kind IN ('ORDER', 'SHIPMENT', 'CANCEL', 'RETURN', 'RECEIVE', 'RESHIP', 'RESOURCE',
                  'REFUND'));
