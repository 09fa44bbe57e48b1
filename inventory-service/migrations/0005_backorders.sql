-- Backorders: the units a ReserveStock with backorder_unavailable could not hold wait per SKU,
-- first come first served, and a receipt fills them (backorder_queue.h). The fills are a stream
-- order-service reads by sequence (ListBackorderFills).

-- One row per order and SKU short at reserve time. The id is the queue position: rows of a SKU
-- are served in id order. A row is open while filled + cancelled < quantity; it is never deleted,
-- so what an order waited for, got and gave up stays readable.
CREATE TABLE backorders (
  id        bigserial PRIMARY KEY,
  order_id  text NOT NULL,  -- as reservations.order_id
  sku       text NOT NULL REFERENCES products (sku),
  quantity  bigint NOT NULL CHECK (quantity > 0),  -- units queued
  filled    bigint NOT NULL DEFAULT 0,             -- units a receipt held for the order since
  cancelled bigint NOT NULL DEFAULT 0,             -- units taken off the queue unfilled
  queued_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT backorders_within_quantity
    CHECK (filled >= 0 AND cancelled >= 0 AND filled + cancelled <= quantity)
);
-- The FIFO walk of a receipt and a SKU's queued total: only the open rows, which stay few
-- however long the history grows.
CREATE INDEX backorders_open_by_sku ON backorders (sku, id) WHERE filled + cancelled < quantity;
-- An order's rows: what a release or CancelBackorders cancels, and whether it still waits.
CREATE INDEX backorders_by_order ON backorders (order_id);

-- The fills. Sequences come from backorder_fill_counter, whose row every filling transaction
-- locks (UPDATE ... RETURNING) as its last statement and holds until it commits: sequence N+1 is
-- only handed out after the transaction holding N committed or rolled back, so sequences are
-- dense and follow commit order, and a reader past N never later finds a smaller one appear (the
-- pattern of shipping's outbox).
CREATE TABLE backorder_fill_counter (
  id   integer PRIMARY KEY CHECK (id = 1),
  last bigint NOT NULL
);
INSERT INTO backorder_fill_counter VALUES (1, 0);

-- One fill is one sequence: the units held for one order at one warehouse by one transaction, a
-- row per SKU (a receipt fills one SKU; a release of several lines may fill several).
CREATE TABLE backorder_fills (
  sequence     bigint NOT NULL,
  sku          text NOT NULL REFERENCES products (sku),
  order_id     text NOT NULL,
  warehouse_id uuid NOT NULL REFERENCES warehouses (id),
  quantity     bigint NOT NULL CHECK (quantity > 0),
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sequence, sku)
);
