-- The feed's shipment events (its third source): every event of shipping's stream that a journal
-- entry caused, of a shipment (outbound or return) of one of our orders, recorded in the
-- transaction that takes the event in. Kind, detail and subject are the timeline's (shipping's
-- journal entry as ReadTimeline shows it), so an event has the same id in both.
CREATE TABLE feed_shipment_events (
  id           bigserial PRIMARY KEY,
  order_id     uuid NOT NULL,
  shipment_id  text NOT NULL,
  kind         text NOT NULL,
  detail       text NOT NULL,
  occurred_at  timestamptz NOT NULL,
  recorded_at  timestamptz NOT NULL,
  xact         xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX feed_shipment_events_by_xact ON feed_shipment_events (xact, id);
