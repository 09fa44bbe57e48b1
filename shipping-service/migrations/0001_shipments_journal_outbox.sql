-- Shipments and their lines, the event journal, cancellation tombstones, the carrier rule table,
-- the outbox with its commit-ordered counter, and request-id idempotency.

-- Which carrier serves a destination up to a weight, and at what estimated cost (per package and
-- per started kilogram). region '' serves the whole country.
CREATE TABLE carrier_rules (
  id                bigserial PRIMARY KEY,
  country           char(2) NOT NULL,
  region            text NOT NULL DEFAULT '',
  max_weight_grams  bigint NOT NULL CHECK (max_weight_grams > 0),
  carrier           text NOT NULL,
  service_level     text NOT NULL,
  transport_mode    text NOT NULL CHECK (transport_mode IN ('GROUND', 'AIR', 'SEA', 'RAIL')),
  currency          char(3) NOT NULL,
  base_cost_minor   bigint NOT NULL CHECK (base_cost_minor >= 0),
  per_kg_cost_minor bigint NOT NULL CHECK (per_kg_cost_minor >= 0),
  UNIQUE (country, region, max_weight_grams, carrier, service_level)
);

-- Parcels (up to 31.5 kg) by road inside the EU, freight by rail; overseas parcels by air and
-- freight by sea.
INSERT INTO carrier_rules (country, max_weight_grams, carrier, service_level, transport_mode,
                           currency, base_cost_minor, per_kg_cost_minor)
SELECT c.country, 31500, c.carrier, 'STANDARD', 'GROUND', 'EUR', c.base, 40
FROM (VALUES ('DE', 'DHL', 499), ('AT', 'Austrian Post', 599), ('FR', 'Colissimo', 649),
             ('NL', 'PostNL', 549), ('BE', 'bpost', 599), ('LU', 'DHL', 699),
             ('IT', 'BRT', 749), ('ES', 'SEUR', 749), ('PT', 'CTT', 799),
             ('PL', 'InPost', 549), ('CZ', 'PPL', 599), ('DK', 'GLS', 699),
             ('SE', 'PostNord', 799), ('FI', 'Posti', 849), ('IE', 'An Post', 899))
     AS c (country, carrier, base);
INSERT INTO carrier_rules (country, max_weight_grams, carrier, service_level, transport_mode,
                           currency, base_cost_minor, per_kg_cost_minor)
SELECT c.country, 30000000, 'DB Schenker', 'FREIGHT', 'RAIL', 'EUR', 9900, 15
FROM (VALUES ('DE'), ('AT'), ('FR'), ('NL'), ('BE'), ('LU'), ('IT'), ('ES'), ('PT'), ('PL'),
             ('CZ'), ('DK'), ('SE'), ('FI'), ('IE')) AS c (country);
INSERT INTO carrier_rules (country, max_weight_grams, carrier, service_level, transport_mode,
                           currency, base_cost_minor, per_kg_cost_minor)
VALUES ('GB', 31500, 'Royal Mail', 'STANDARD', 'GROUND', 'EUR', 999, 60),
       ('CH', 31500, 'Swiss Post', 'STANDARD', 'GROUND', 'EUR', 1099, 60),
       ('NO', 31500, 'Posten', 'STANDARD', 'GROUND', 'EUR', 1199, 70),
       ('GB', 30000000, 'DB Schenker', 'FREIGHT', 'GROUND', 'EUR', 14900, 20),
       ('US', 31500, 'UPS', 'EXPRESS', 'AIR', 'EUR', 2499, 450),
       ('CA', 31500, 'UPS', 'EXPRESS', 'AIR', 'EUR', 2699, 480),
       ('JP', 31500, 'DHL Express', 'EXPRESS', 'AIR', 'EUR', 2999, 520),
       ('AU', 31500, 'DHL Express', 'EXPRESS', 'AIR', 'EUR', 3299, 560),
       ('US', 30000000, 'Maersk', 'FREIGHT', 'SEA', 'EUR', 49900, 8),
       ('CA', 30000000, 'Maersk', 'FREIGHT', 'SEA', 'EUR', 52900, 8),
       ('JP', 30000000, 'Maersk', 'FREIGHT', 'SEA', 'EUR', 59900, 9),
       ('AU', 30000000, 'Maersk', 'FREIGHT', 'SEA', 'EUR', 64900, 9);

CREATE TABLE shipments (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_id            text NOT NULL,
  kind                text NOT NULL CHECK (kind IN ('OUTBOUND', 'RETURN')),
  warehouse_id        text NOT NULL,
  return_id           text NOT NULL DEFAULT '',
  status              text NOT NULL,
  cancelled           boolean NOT NULL DEFAULT false,
  -- Whether SHIPMENT_SHIPPED (RETURN_SHIPPED) was written to the outbox: it is announced once.
  shipped             boolean NOT NULL DEFAULT false,
  address_name        text NOT NULL DEFAULT '',
  address_line1       text NOT NULL,
  address_line2       text NOT NULL DEFAULT '',
  address_city        text NOT NULL,
  address_postal_code text NOT NULL DEFAULT '',
  address_region      text NOT NULL DEFAULT '',
  address_country     char(2) NOT NULL,
  carrier             text NOT NULL,
  service_level       text NOT NULL,
  transport_mode      text NOT NULL,
  total_weight_grams  bigint NOT NULL CHECK (total_weight_grams >= 0),
  package_count       integer NOT NULL CHECK (package_count >= 1),
  cost_currency       char(3) NOT NULL,
  cost_minor          bigint NOT NULL CHECK (cost_minor >= 0),
  tracking_number     text NOT NULL DEFAULT '',
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  CHECK (cancelled = (status = 'CANCELLED'))
);
-- One outbound shipment per warehouse group of an order; one return shipment per RMA.
CREATE UNIQUE INDEX shipments_outbound_group ON shipments (order_id, warehouse_id)
  WHERE kind = 'OUTBOUND';
CREATE UNIQUE INDEX shipments_return ON shipments (order_id, return_id) WHERE kind = 'RETURN';
CREATE INDEX shipments_by_order ON shipments (order_id, created_at);

CREATE TABLE shipment_lines (
  shipment_id       uuid NOT NULL REFERENCES shipments (id),
  line_no           integer NOT NULL,
  sku               text NOT NULL,
  quantity          bigint NOT NULL CHECK (quantity > 0),
  unit_weight_grams bigint NOT NULL CHECK (unit_weight_grams >= 0),
  PRIMARY KEY (shipment_id, line_no),
  UNIQUE (shipment_id, sku)
);

-- The journal: append-only; dedup_key is the carrier's event id, or type and occurred_at.
CREATE TABLE shipment_journal (
  id                 bigserial PRIMARY KEY,
  shipment_id        uuid NOT NULL REFERENCES shipments (id),
  type               text NOT NULL,
  occurred_at        timestamptz NOT NULL,
  recorded_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
  location           text NOT NULL DEFAULT '',
  note               text NOT NULL DEFAULT '',
  tracking_number    text NOT NULL DEFAULT '',
  proof_uri          text NOT NULL DEFAULT '',
  proof_content_type text NOT NULL DEFAULT '',
  proof_sha256       text NOT NULL DEFAULT '',
  carrier_event_id   text NOT NULL DEFAULT '',
  dedup_key          text NOT NULL,
  UNIQUE (shipment_id, dedup_key)
);

CREATE FUNCTION refuse_journal_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'shipment_journal is append-only';
END $$;
CREATE TRIGGER shipment_journal_append_only BEFORE UPDATE OR DELETE ON shipment_journal
  FOR EACH ROW EXECUTE FUNCTION refuse_journal_change();

-- A cancellation that arrived before its create: warehouse_id '' covers the whole order.
CREATE TABLE shipment_tombstones (
  order_id     text NOT NULL,
  warehouse_id text NOT NULL,
  reason       text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (order_id, warehouse_id)
);

-- The outbox. Sequences come from outbox_counter, whose row every writing transaction locks
-- (UPDATE ... RETURNING) until it commits: sequence N+1 is only handed out after the transaction
-- holding N committed or rolled back, so sequences are dense and follow commit order, and a
-- reader past N can never later find a smaller sequence appear.
CREATE TABLE outbox_counter (
  id   integer PRIMARY KEY CHECK (id = 1),
  last bigint NOT NULL
);
INSERT INTO outbox_counter VALUES (1, 0);

CREATE TABLE outbox_events (
  sequence    bigint PRIMARY KEY,
  type        text NOT NULL,
  shipment_id uuid NOT NULL REFERENCES shipments (id),
  order_id    text NOT NULL,
  payload     bytea NOT NULL,  -- the serialized oms.shipping.v1.OutboxEvent
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- The highest sequence any consumer has been sent, for the outbox lag metric.
CREATE TABLE outbox_read_mark (
  id        integer PRIMARY KEY CHECK (id = 1),
  last_read bigint NOT NULL
);
INSERT INTO outbox_read_mark VALUES (1, 0);

-- The stored outcome of every mutating request, written in the same transaction as its effect,
-- so that a repeat returns it instead of acting twice.
CREATE TABLE request_results (
  request_id   text PRIMARY KEY,
  method       text NOT NULL,
  request_hash text NOT NULL,
  response     bytea,
  created_at   timestamptz NOT NULL DEFAULT now()
);
