-- A return's key names one request: the SHA-256 of its deterministic encoding (order, lines,
-- reason) is kept, and a repeat of the key with another request is refused instead of being
-- answered with the first return. Rows from before carry '' and match any repeat.
ALTER TABLE returns ADD COLUMN request_hash text NOT NULL DEFAULT '';
