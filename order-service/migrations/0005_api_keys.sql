-- The gateway's API keys. Only the SHA-256 of a secret is stored (hex, computed in SQL from the
-- secret given once at creation); a key is looked up by that hash.
CREATE TABLE api_keys (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL,
  scopes      text[] NOT NULL,
  customer_id uuid NULL REFERENCES customers (id),
  secret_hash text NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  revoked_at  timestamptz NULL
);
