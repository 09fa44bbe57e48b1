-- An order's cancellation runs as a saga of its own (kind CANCEL, one per order).
ALTER TABLE sagas DROP CONSTRAINT sagas_kind_check;
ALTER TABLE sagas ADD CONSTRAINT sagas_kind_check CHECK (kind IN ('ORDER', 'SHIPMENT', 'CANCEL'));
