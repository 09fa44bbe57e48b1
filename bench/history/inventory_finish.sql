-- After :orders clones of :'template': a RECEIPT per level the template's lines took from, as
-- large as what the clones committed, so every level stays where it was and the ledger still
-- sums to it (RELIABILITY.md I1: received + restocked = on hand + shipped).
INSERT INTO stock_movements (sku, warehouse_id, kind, on_hand_delta, reserved_delta,
                             on_hand_after, reserved_after, reason)
SELECT m.sku, m.warehouse_id, 'RECEIPT', -sum(m.on_hand_delta) * :orders, 0, s.on_hand,
       s.reserved, 'oms bench history'
FROM stock_movements m JOIN stock_levels s USING (sku, warehouse_id)
WHERE m.order_id = :'template'
GROUP BY m.sku, m.warehouse_id, s.on_hand, s.reserved
HAVING sum(m.on_hand_delta) <> 0;
VACUUM ANALYZE;
