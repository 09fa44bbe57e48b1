-- The outbox counter and the read mark at the clones' last event (order-service's cursor is
-- moved there too, by tools/oms/bench_history.sh): the past is consumed, new events follow.
UPDATE outbox_counter SET last = (SELECT max(sequence) FROM outbox_events);
UPDATE outbox_read_mark SET last_read = (SELECT max(sequence) FROM outbox_events);
VACUUM ANALYZE;
