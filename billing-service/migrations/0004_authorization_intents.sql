-- The authorization an order asked for, recorded and committed before billing calls the provider,
-- so that no database session has to stay open across the call: what serializes the void with
-- an authorization in flight is this row, not a lock that a lost session would drop.
--   AUTHORIZING  the provider call may be in flight (or its caller died: the reconciler settles it)
--   AUTHORIZED   the approval is the order's payment
--   DECLINED     the decline is the order's payment
--   VOIDED       a void tombstoned the order while the call was in flight: whatever the provider
--                approves under the key must be voided there
--   CLOSED       voided in flight, and the provider's answer under the key is settled (voided,
--                declined, or nothing arrived within the reconciler's bound)
CREATE TABLE authorization_intents (
  order_id        text PRIMARY KEY,
  request_id      text NOT NULL UNIQUE,
  idempotency_key text NOT NULL UNIQUE,
  amount_minor    bigint NOT NULL CHECK (amount_minor >= 0),
  currency        text NOT NULL,
  state           text NOT NULL CHECK (state IN ('AUTHORIZING', 'AUTHORIZED', 'DECLINED', 'VOIDED',
                                                 'CLOSED')),
  created_at      timestamptz NOT NULL DEFAULT now(),
  -- The last change of state, or the reconciler's last look at an intent it left as it was.
  updated_at      timestamptz NOT NULL DEFAULT now()
);
-- The reconciler's work list: the intents not settled yet, oldest look first.
CREATE INDEX authorization_intents_unsettled ON authorization_intents (updated_at)
  WHERE state IN ('AUTHORIZING', 'VOIDED');
