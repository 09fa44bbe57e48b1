-- The gateway's Idempotency-Key records: per (scope, key) the fingerprint of the first request,
-- the claim running it (token and lease, on the database clock) and, once answered, the answer
-- to replay (a serialized oms.order.v1.StoredResponse). A record past expires_at counts as none
-- and is deleted by a cheap sweep.
CREATE TABLE idempotency_records (
  scope        text NOT NULL,
  key          text NOT NULL,
  fingerprint  bytea NOT NULL,
  state        text NOT NULL CHECK (state IN ('RUNNING', 'COMPLETED')),
  claim_token  uuid NOT NULL,
  lease_until  timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  response     bytea NULL,
  takeovers    integer NOT NULL DEFAULT 0,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key),
  CHECK ((state = 'COMPLETED') = (response IS NOT NULL))
);

CREATE INDEX idempotency_records_expiry ON idempotency_records (expires_at);
