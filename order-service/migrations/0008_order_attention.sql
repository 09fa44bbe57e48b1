-- A saga of the order is parked and waits for an operator. A flag beside the lifecycle status:
-- a parked follow-up saga (a capture, a cancellation, a return) must not overwrite what the order
-- saga and the shipments made of the order's status.
ALTER TABLE orders ADD COLUMN needs_attention boolean NOT NULL DEFAULT false;
UPDATE orders o SET needs_attention = true
WHERE EXISTS (SELECT 1 FROM sagas s WHERE s.order_id = o.id AND s.phase = 'NEEDS_ATTENTION');
