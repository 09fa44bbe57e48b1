-- The SKUs of each order's lines, keyed for finding an SKU's orders newest first
-- (GET /v1/orders?sku=): an index range read however many orders the SKU has. An order's rows
-- are written with the order; orders placed before this migration get theirs from order-service
-- (OrderSkuBackfill), which reads their captured lines, and marks them in skus_indexed.
CREATE TABLE order_skus (
  sku        text NOT NULL,
  created_at timestamptz NOT NULL,  -- the order's
  order_id   uuid NOT NULL,
  PRIMARY KEY (sku, created_at, order_id)
);
ALTER TABLE orders ADD COLUMN skus_indexed boolean NOT NULL DEFAULT false;
-- Only the orders still to index: empty once the backfill is done.
CREATE INDEX orders_skus_to_index ON orders (id) WHERE NOT skus_indexed;
