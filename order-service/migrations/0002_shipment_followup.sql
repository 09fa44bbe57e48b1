-- After confirmation the order follows shipping's event stream: a shipped shipment starts a
-- saga of its own (commit its stock, capture its share of the payment), forward only. The
-- cursor is stored in the same transaction as the reaction to each event.

ALTER TABLE sagas
  ADD COLUMN kind    text NOT NULL DEFAULT 'ORDER' CHECK (kind IN ('ORDER', 'SHIPMENT')),
  ADD COLUMN subject text NOT NULL DEFAULT '',
  -- SHIPMENT: the shipping event (oms.shipping.v1.OutboxEvent) that started it.
  ADD COLUMN payload bytea;
ALTER TABLE sagas DROP CONSTRAINT sagas_order_id_key;
CREATE UNIQUE INDEX sagas_subject ON sagas (order_id, kind, subject);

CREATE TABLE event_cursors (
  stream        text PRIMARY KEY,
  last_sequence bigint NOT NULL
);
INSERT INTO event_cursors (stream, last_sequence) VALUES ('shipping', 0);
