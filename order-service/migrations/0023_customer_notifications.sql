-- Customer notifications: each customer's language, the notifications handed to the sender (the
-- local outbox, and the record of those sent by mail), and the notifier's place in the feed.
ALTER TABLE customers ADD COLUMN locale text NOT NULL DEFAULT 'en';

CREATE TABLE notifications (
  id         bigserial PRIMARY KEY,
  -- The feed event it tells of: one notification per event, whatever is retried.
  event_id   text NOT NULL UNIQUE,
  order_id   uuid NOT NULL,
  kind       text NOT NULL,
  locale     text NOT NULL,
  recipient  text NOT NULL,
  subject    text NOT NULL,
  body       text NOT NULL,
  -- 'outbox' (kept here for another system to send) or 'smtp' (sent by mail).
  channel    text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notifications_by_order ON notifications (order_id, id);

-- Followers of the feed inside order-service (today the customer notifier): one row each, its
-- cursor (event_feed.h) and the lease of the replica that runs it.
CREATE TABLE feed_followers (
  name             text PRIMARY KEY,
  cursor_xact      bigint NOT NULL,
  cursor_source    integer NOT NULL,
  cursor_row       bigint NOT NULL,
  lease_owner      text NOT NULL DEFAULT '',
  lease_expires_at timestamptz NOT NULL DEFAULT '-infinity'
);
-- The notifier starts at the events committed from this migration on.
INSERT INTO feed_followers (name, cursor_xact, cursor_source, cursor_row)
VALUES ('customer-notifier', pg_snapshot_xmin(pg_current_snapshot())::text::bigint - 1, 1,
        9223372036854775807);
