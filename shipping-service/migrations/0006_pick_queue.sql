-- A warehouse's pick queue (ListPickQueue): its outbound shipments not yet shipped, oldest first.
-- Partial, so the index holds the open work only, never the history of shipped parcels.
CREATE INDEX shipments_pick_queue ON shipments (warehouse_id, created_at, id)
  WHERE kind = 'OUTBOUND' AND status IN ('PENDING', 'PICKED', 'PACKED');
