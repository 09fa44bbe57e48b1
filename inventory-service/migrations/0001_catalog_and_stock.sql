-- Catalog, warehouses, stock levels and the append-only movement ledger.

CREATE TABLE products (
  sku            text PRIMARY KEY,
  name           text NOT NULL,
  description    text NOT NULL DEFAULT '',
  price_currency char(3) NOT NULL,
  price_minor    bigint NOT NULL CHECK (price_minor >= 0),
  cost_currency  char(3),
  cost_minor     bigint CHECK (cost_minor >= 0),
  weight_grams   bigint NOT NULL DEFAULT 0 CHECK (weight_grams >= 0),
  image_url      text NOT NULL DEFAULT '',
  active         boolean NOT NULL DEFAULT true,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE warehouses (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  code                text NOT NULL UNIQUE,
  name                text NOT NULL,
  address_name        text NOT NULL DEFAULT '',
  address_line1       text NOT NULL,
  address_line2       text NOT NULL DEFAULT '',
  address_city        text NOT NULL,
  address_postal_code text NOT NULL DEFAULT '',
  address_region      text NOT NULL DEFAULT '',
  address_country     char(2) NOT NULL,
  region              text NOT NULL,
  latitude            double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
  longitude           double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
  priority            integer NOT NULL DEFAULT 100,
  active              boolean NOT NULL DEFAULT true,
  created_at          timestamptz NOT NULL DEFAULT now()
);

-- The invariant "on hand >= reserved >= 0" is the database's to keep, not only the code's.
CREATE TABLE stock_levels (
  sku          text NOT NULL REFERENCES products (sku),
  warehouse_id uuid NOT NULL REFERENCES warehouses (id),
  on_hand      bigint NOT NULL DEFAULT 0,
  reserved     bigint NOT NULL DEFAULT 0,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sku, warehouse_id),
  CONSTRAINT stock_levels_not_negative CHECK (reserved >= 0 AND on_hand >= reserved)
);

CREATE TABLE stock_movements (
  id             bigserial PRIMARY KEY,
  sku            text NOT NULL REFERENCES products (sku),
  warehouse_id   uuid NOT NULL REFERENCES warehouses (id),
  kind           text NOT NULL CHECK (kind IN ('RECEIPT', 'CORRECTION', 'RESERVE', 'RELEASE',
                                               'EXPIRE', 'COMMIT', 'RESTOCK', 'DAMAGED')),
  on_hand_delta  bigint NOT NULL,
  reserved_delta bigint NOT NULL,
  on_hand_after  bigint NOT NULL,
  reserved_after bigint NOT NULL,
  reason         text NOT NULL DEFAULT '',
  request_id     text,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stock_movements_by_level ON stock_movements (sku, warehouse_id, id);

CREATE FUNCTION refuse_ledger_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'stock_movements is append-only';
END $$;
CREATE TRIGGER stock_movements_append_only BEFORE UPDATE OR DELETE ON stock_movements
  FOR EACH ROW EXECUTE FUNCTION refuse_ledger_change();

-- The stored outcome of every mutating request, written in the same transaction as its effect,
-- so that a repeat returns it instead of acting twice.
CREATE TABLE request_results (
  request_id   text PRIMARY KEY,
  method       text NOT NULL,
  request_hash text NOT NULL,
  response     bytea,
  created_at   timestamptz NOT NULL DEFAULT now()
);
