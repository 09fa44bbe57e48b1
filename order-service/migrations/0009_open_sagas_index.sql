-- The open-saga gauges (every replica, every 2 s) and ListStuckSagas read only sagas not yet
-- final: without this index both scanned every saga ever run, a cost that grew with history.
CREATE INDEX sagas_open ON sagas (kind, step, phase) INCLUDE (created_at)
  WHERE phase IN ('RUNNING', 'COMPENSATING', 'NEEDS_ATTENTION');
