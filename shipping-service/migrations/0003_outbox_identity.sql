-- The outbox's identity: a random id made once with this database. Every event and heartbeat of
-- the stream carries it, and order-service stores it with its cursor. A database recreated (or
-- replaced by another one) has another identity and numbers its events from 1 again: the
-- consumer then stops and reports it instead of skipping the new events as already seen.
CREATE TABLE outbox_identity (
  id         integer PRIMARY KEY CHECK (id = 1),
  stream_id  uuid NOT NULL DEFAULT gen_random_uuid(),
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO outbox_identity (id) VALUES (1);
