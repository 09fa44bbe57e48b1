-- API keys may expire: verification refuses a key from expires_at on (NULL: never expires).
-- ListApiKeys pages newest first by (created_at, id), a keyset that this index serves in both
-- directions without a sort, however many keys there are.
ALTER TABLE api_keys ADD COLUMN expires_at timestamptz NULL;
CREATE INDEX api_keys_created_at_id ON api_keys (created_at, id);
