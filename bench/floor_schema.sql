-- The floor's scratch tables (database oms_bench_floor, beside the services' databases on the
-- same cluster): the rows one order must write, with the keys and indexes the services' own
-- tables have, and nothing else. bench/floor_order.sql commits one order into them.
-- Made in a fresh database each run. Stock has the catalog's shape (bench/catalog.sql): A-n in
-- warehouse 1 (Hamburg), B-n in warehouse 2 (Munich), HOT in both.
-- psql -v skus=400 -v stock=1000000 -f floor_schema.sql

CREATE TABLE orders (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  request_key text NOT NULL UNIQUE,
  status      text NOT NULL,
  total_minor bigint NOT NULL,
  snapshot    bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_by_time ON orders (created_at DESC, id DESC);
CREATE TABLE order_status_history (
  id         bigserial PRIMARY KEY,
  order_id   uuid NOT NULL REFERENCES orders (id),
  status     text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE sagas (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_id   uuid NOT NULL UNIQUE REFERENCES orders (id),
  phase      text NOT NULL,
  step       integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE saga_journal (
  id         bigserial PRIMARY KEY,
  saga_id    uuid NOT NULL REFERENCES sagas (id),
  step       text NOT NULL,
  outcome    text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX saga_journal_by_saga ON saga_journal (saga_id, id);

-- Every participant call records its answer with its effect (common/idempotency.h).
CREATE TABLE request_results (
  request_id text PRIMARY KEY,
  response   bytea NOT NULL
);

CREATE TABLE stock_levels (
  sku          text NOT NULL,
  warehouse_id integer NOT NULL,
  on_hand      bigint NOT NULL,
  reserved     bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (sku, warehouse_id),
  CHECK (reserved >= 0 AND on_hand >= reserved)
);
CREATE TABLE stock_movements (
  id             bigserial PRIMARY KEY,
  sku            text NOT NULL,
  warehouse_id   integer NOT NULL,
  reserved_delta bigint NOT NULL,
  order_id       uuid NOT NULL
);
CREATE TABLE reservations (
  id       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_id uuid NOT NULL UNIQUE,
  state    text NOT NULL
);
CREATE TABLE reservation_lines (
  reservation_id uuid NOT NULL REFERENCES reservations (id),
  warehouse_id   integer NOT NULL,
  sku            text NOT NULL,
  quantity       bigint NOT NULL,
  PRIMARY KEY (reservation_id, warehouse_id, sku)
);

CREATE TABLE payments (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_id         uuid NOT NULL UNIQUE,
  status           text NOT NULL,
  authorized_minor bigint NOT NULL
);
CREATE TABLE payment_transactions (
  id         bigserial PRIMARY KEY,
  payment_id uuid NOT NULL REFERENCES payments (id),
  kind       text NOT NULL,
  amount     bigint NOT NULL
);

CREATE TABLE shipments (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_id     uuid NOT NULL,
  warehouse_id integer NOT NULL,
  status       text NOT NULL,
  UNIQUE (order_id, warehouse_id)
);
CREATE TABLE shipment_lines (
  shipment_id uuid NOT NULL REFERENCES shipments (id),
  sku         text NOT NULL,
  quantity    bigint NOT NULL,
  PRIMARY KEY (shipment_id, sku)
);

INSERT INTO stock_levels (sku, warehouse_id, on_hand)
SELECT 'A-' || n, 1, :stock FROM generate_series(1, :skus) AS n
UNION ALL SELECT 'B-' || n, 2, :stock FROM generate_series(1, :skus) AS n
UNION ALL SELECT 'HOT', w, :stock FROM generate_series(1, 2) AS w;
VACUUM ANALYZE;
