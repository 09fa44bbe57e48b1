-- The feed of every order's events (ListEvents) reads status changes and saga steps in the order
-- of the transactions that recorded them (migration 0015's xact), from a cursor onwards.
CREATE INDEX order_status_history_by_xact ON order_status_history (xact, id);
CREATE INDEX saga_journal_by_xact ON saga_journal (xact, id);
