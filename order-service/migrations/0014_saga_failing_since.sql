-- When the call a saga is to make first failed transiently (NULL while it has not): a step
-- before the pivot gives up after failing for the coordinator's forward budget, a time.
ALTER TABLE sagas ADD COLUMN failing_since timestamptz;
