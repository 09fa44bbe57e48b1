-- The sandbox payment provider's own ledger: what an external provider keeps on its side. It
-- lives in billing's database only for convenience; billing's code never reads it, and the
-- sandbox writes it in its own transactions, committed before billing's, exactly as a remote
-- provider would. Keyed by the idempotency key billing sends, so a repeated call replays the
-- stored answer and "at most one authorization per order" is checkable here too.
CREATE TABLE sandbox_provider_operations (
  idempotency_key         text PRIMARY KEY,
  operation               text NOT NULL CHECK (operation IN ('AUTHORIZE', 'CAPTURE', 'VOID',
                                                             'REFUND')),
  reference               text NOT NULL UNIQUE,
  -- The authorization this operation belongs to (its own reference for an authorization).
  authorization_reference text NOT NULL,
  amount_minor            bigint NOT NULL CHECK (amount_minor >= 0),
  currency                text NOT NULL,
  outcome                 text NOT NULL CHECK (outcome IN ('APPROVED', 'DECLINED')),
  decline_code            text NOT NULL DEFAULT '',
  token                   text NOT NULL DEFAULT '',
  -- tok_capture_fails: capture attempts still to fail as unavailable.
  capture_failures_left   integer NOT NULL DEFAULT 0 CHECK (capture_failures_left >= 0),
  -- What the call asked for, to refuse the same key with different parameters.
  fingerprint             text NOT NULL,
  created_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sandbox_provider_operations_by_authorization
  ON sandbox_provider_operations (authorization_reference);
