-- Reservations: one per order, lines per (warehouse, SKU), and the ledger columns that tie
-- movements to them.

CREATE TABLE reservations (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_id   text NOT NULL UNIQUE,
  state      text NOT NULL CHECK (state IN ('HELD', 'COMMITTED', 'RELEASED', 'EXPIRED')),
  -- A release that arrived before its reserve: the row only refuses the late reserve.
  tombstone  boolean NOT NULL DEFAULT false,
  allocation bytea,  -- oms.inventory.v1.Allocation, as planned
  expires_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (NOT tombstone OR (state = 'RELEASED' AND allocation IS NULL))
);
CREATE INDEX reservations_expiring ON reservations (expires_at) WHERE state = 'HELD';

CREATE TABLE reservation_lines (
  reservation_id uuid NOT NULL REFERENCES reservations (id),
  warehouse_id   uuid NOT NULL REFERENCES warehouses (id),
  sku            text NOT NULL REFERENCES products (sku),
  quantity       bigint NOT NULL CHECK (quantity > 0),
  committed      bigint NOT NULL DEFAULT 0,
  released       bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (reservation_id, warehouse_id, sku),
  CONSTRAINT reservation_lines_within_quantity
    CHECK (committed >= 0 AND released >= 0 AND committed + released <= quantity)
);

ALTER TABLE stock_movements
  ADD COLUMN reservation_id   uuid,
  ADD COLUMN order_id         text,
  ADD COLUMN damaged_quantity bigint NOT NULL DEFAULT 0 CHECK (damaged_quantity >= 0);
