-- Operator retries of a saga: each one calls the participants under new request ids, since a
-- participant answers every repeat of a refused request id with the same refusal.
ALTER TABLE sagas ADD COLUMN retries integer NOT NULL DEFAULT 0;
