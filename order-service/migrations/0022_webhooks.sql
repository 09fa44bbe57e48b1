-- Webhook subscriptions: where to POST which events of the feed (ListEvents), the cursor of the
-- last event handled, and the state of the endpoint while it fails. One replica at a time
-- delivers a subscription's events, under a lease, so that they go out one by one in feed order.
CREATE TABLE webhooks (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  url              text NOT NULL,
  event_types      text[] NOT NULL,
  secret           text NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  deleted_at       timestamptz,
  -- The feed position after the last event delivered or dead-lettered (event_feed.h).
  cursor_xact      bigint NOT NULL,
  cursor_source    integer NOT NULL,
  cursor_row       bigint NOT NULL,
  failed_attempts  integer NOT NULL DEFAULT 0,
  failing_since    timestamptz,
  last_error       text NOT NULL DEFAULT '',
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  lease_owner      text NOT NULL DEFAULT '',
  lease_expires_at timestamptz NOT NULL DEFAULT '-infinity'
);
CREATE INDEX webhooks_due ON webhooks (next_attempt_at) WHERE deleted_at IS NULL;
CREATE INDEX webhooks_by_time ON webhooks (created_at DESC, id DESC);

-- The delivery log: every event delivered or dead-lettered, with the body sent (a redelivery
-- sends it again).
CREATE TABLE webhook_deliveries (
  id                 bigserial PRIMARY KEY,
  webhook_id         uuid NOT NULL REFERENCES webhooks (id),
  event_id           text NOT NULL,
  event_type         text NOT NULL,
  order_id           uuid NOT NULL,
  body               text NOT NULL,
  outcome            text NOT NULL CHECK (outcome IN ('DELIVERED', 'DEAD_LETTERED')),
  attempts           integer NOT NULL,
  last_status_code   integer NOT NULL DEFAULT 0,
  last_error         text NOT NULL DEFAULT '',
  redelivery_pending boolean NOT NULL DEFAULT false,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id DESC);
CREATE INDEX webhook_deliveries_to_redeliver ON webhook_deliveries (webhook_id, id)
  WHERE redelivery_pending;
