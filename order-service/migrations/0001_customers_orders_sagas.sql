-- Customers, orders and the durable saga coordinator's state.

CREATE TABLE customers (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name       text NOT NULL,
  email      text NOT NULL,
  phone      text NOT NULL DEFAULT '',
  -- oms.order.v1.Customer.addresses, as written (a list edited as a whole).
  addresses  bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX customers_email ON customers (lower(email));

CREATE TABLE orders (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  customer_id         uuid NOT NULL REFERENCES customers (id),
  client_id           text NOT NULL,
  idempotency_key     text NOT NULL,
  request_hash        text NOT NULL,
  channel             text NOT NULL,
  external_order_id   text,
  currency            char(3) NOT NULL,
  status              text NOT NULL,
  rejection_reason    text NOT NULL DEFAULT '',
  subtotal_minor      bigint NOT NULL,
  tax_minor           bigint NOT NULL,
  total_minor         bigint NOT NULL,
  -- The captured order (oms.order.v1.Order without status and saga results), for reads.
  snapshot            bytea NOT NULL,
  -- What the saga learned: the allocation as reserved, shipment and payment ids.
  allocation          bytea,
  shipments           bytea,
  payment_id          text NOT NULL DEFAULT '',
  payment_token       text NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  UNIQUE (client_id, idempotency_key)
);
CREATE UNIQUE INDEX orders_external ON orders (channel, external_order_id)
  WHERE external_order_id IS NOT NULL;
CREATE INDEX orders_by_customer ON orders (customer_id, created_at DESC, id DESC);
CREATE INDEX orders_by_time ON orders (created_at DESC, id DESC);

CREATE TABLE order_status_history (
  id         bigserial PRIMARY KEY,
  order_id   uuid NOT NULL REFERENCES orders (id),
  status     text NOT NULL,
  reason     text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_status_history_by_order ON order_status_history (order_id, id);

-- One saga per order. A replica claims it by taking the lease (FOR UPDATE SKIP LOCKED on rows
-- whose lease has expired); every write is fenced by the epoch it claimed.
CREATE TABLE sagas (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_id         uuid NOT NULL UNIQUE REFERENCES orders (id),
  phase            text NOT NULL,
  step             integer NOT NULL DEFAULT 0,
  attempts         integer NOT NULL DEFAULT 0,
  failure_reason   text NOT NULL DEFAULT '',
  parked_from      text NOT NULL DEFAULT 'RUNNING',
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  lease_owner      text NOT NULL DEFAULT '',
  lease_epoch      bigint NOT NULL DEFAULT 0,
  lease_expires_at timestamptz NOT NULL DEFAULT '-infinity',
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sagas_due ON sagas (next_attempt_at)
  WHERE phase IN ('RUNNING', 'COMPENSATING');

-- Every attempt and its outcome, in order.
CREATE TABLE saga_journal (
  id          bigserial PRIMARY KEY,
  saga_id     uuid NOT NULL REFERENCES sagas (id),
  step        text NOT NULL,
  action      text NOT NULL CHECK (action IN ('FORWARD', 'COMPENSATE', 'OPERATOR')),
  request_id  text NOT NULL,
  outcome     text NOT NULL,
  detail      text NOT NULL DEFAULT '',
  epoch       bigint NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX saga_journal_by_saga ON saga_journal (saga_id, id);
