-- Returns (RMAs): one row each, its requested and received lines as an oms.order.v1.Return.
CREATE TABLE returns (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_id   uuid NOT NULL REFERENCES orders (id),
  request_id text NOT NULL UNIQUE,
  status     text NOT NULL CHECK (status IN ('REQUESTED', 'RECEIVED', 'REFUNDED')),
  body       bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX returns_by_order ON returns (order_id, created_at);

ALTER TABLE orders ADD COLUMN return_status text NOT NULL DEFAULT '';

-- RETURN creates the return shipment; RECEIVE restocks, refunds and records the receipt.
ALTER TABLE sagas DROP CONSTRAINT sagas_kind_check;
ALTER TABLE sagas ADD CONSTRAINT sagas_kind_check
  CHECK (kind IN ('ORDER', 'SHIPMENT', 'CANCEL', 'RETURN', 'RECEIVE'));
