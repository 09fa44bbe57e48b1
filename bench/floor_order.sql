-- pgbench script: one order's durable work committed the way the four services must commit it,
-- seven separate transactions, on bench/floor_schema.sql's tables: the floor oms is measured
-- against. Run with -M prepared (variables are parameters) and -D skus=N -D hot=0|1:
--   hot=0 (split floor): three lines, A-a from warehouse 1 and B-b from warehouse 2 and one more
--          of either, so the reservation spans two warehouses and two shipments are created;
--   hot=1 (hot floor): one line of HOT; every order locks HOT's pair of stock rows (both
--          warehouses, as inventory locks every candidate level) and reserves from warehouse 1.
-- One script for both shapes: only the SKUs of step 2 differ.
\set a random(1, :skus)
\set b random(1, :skus)
\set third random(0, 1)
\set c :a % :skus + 1
\set d :b % :skus + 1
\set key random(1, 1000000000000)

-- 1. order-service captures the order with its saga.
BEGIN;
INSERT INTO orders (request_key, status, total_minor, snapshot)
  VALUES (:client_id::text || '-' || :key::text, 'PENDING', 7999, decode(repeat('ab', 300), 'hex'))
  RETURNING id AS order_id \gset
INSERT INTO order_status_history (order_id, status) VALUES (:order_id::uuid, 'PENDING');
INSERT INTO sagas (order_id, phase) VALUES (:order_id::uuid, 'RUNNING') RETURNING id AS saga_id \gset
COMMIT;

-- 2. inventory reserves: locks the candidate levels in (sku, warehouse) order (for HOT both
-- warehouses' rows), then in one statement holds the stock, writes the ledger, the reservation
-- with its lines and its answer. The hot shape names HOT on every line: DISTINCT makes it one.
BEGIN;
SELECT sku FROM stock_levels
  WHERE sku IN (CASE WHEN :hot::int = 1 THEN 'HOT' ELSE 'A-' || :a::text END,
                CASE WHEN :hot::int = 1 THEN 'HOT' ELSE 'B-' || :b::text END,
                CASE WHEN :hot::int = 1 THEN 'HOT' WHEN :third::int = 0 THEN 'A-' || :c::text
                     ELSE 'B-' || :d::text END)
  ORDER BY sku, warehouse_id FOR UPDATE;
WITH wanted AS (
  SELECT DISTINCT sku, warehouse_id FROM (VALUES
    (CASE WHEN :hot::int = 1 THEN 'HOT' ELSE 'A-' || :a::text END, 1),
    (CASE WHEN :hot::int = 1 THEN 'HOT' ELSE 'B-' || :b::text END,
     CASE WHEN :hot::int = 1 THEN 1 ELSE 2 END),
    (CASE WHEN :hot::int = 1 THEN 'HOT' WHEN :third::int = 0 THEN 'A-' || :c::text
          ELSE 'B-' || :d::text END,
     CASE WHEN :hot::int = 1 OR :third::int = 0 THEN 1 ELSE 2 END)) AS line (sku, warehouse_id)),
held AS (
  UPDATE stock_levels s SET reserved = reserved + 1 FROM wanted w
  WHERE s.sku = w.sku AND s.warehouse_id = w.warehouse_id RETURNING s.sku, s.warehouse_id),
moved AS (
  INSERT INTO stock_movements (sku, warehouse_id, reserved_delta, order_id)
  SELECT sku, warehouse_id, 1, :order_id::uuid FROM held),
reserved AS (INSERT INTO reservations (order_id, state) VALUES (:order_id::uuid, 'HELD') RETURNING id)
INSERT INTO reservation_lines (reservation_id, warehouse_id, sku, quantity)
  SELECT r.id, h.warehouse_id, h.sku, 1 FROM reserved r, held h;
INSERT INTO request_results VALUES ('reserve:' || :order_id::text, decode(repeat('cd', 200), 'hex'));
COMMIT;

-- 3. order-service saves the step.
BEGIN;
UPDATE sagas SET step = 1, updated_at = now() WHERE id = :saga_id::uuid;
INSERT INTO saga_journal (saga_id, step, outcome) VALUES (:saga_id::uuid, 'RESERVE', 'OK');
COMMIT;

-- 4. billing authorizes.
BEGIN;
INSERT INTO payments (order_id, status, authorized_minor)
  VALUES (:order_id::uuid, 'AUTHORIZED', 9519) RETURNING id AS payment_id \gset
INSERT INTO payment_transactions (payment_id, kind, amount) VALUES (:payment_id::uuid, 'AUTHORIZE', 9519);
INSERT INTO request_results VALUES ('authorize:' || :order_id::text, decode(repeat('ef', 100), 'hex'));
COMMIT;

-- 5. order-service saves the step.
BEGIN;
UPDATE sagas SET step = 2, updated_at = now() WHERE id = :saga_id::uuid;
INSERT INTO saga_journal (saga_id, step, outcome) VALUES (:saga_id::uuid, 'AUTHORIZE', 'OK');
COMMIT;

-- 6. shipping creates one shipment per warehouse of the reservation, with their lines.
BEGIN;
WITH created AS (
  INSERT INTO shipments (order_id, warehouse_id, status)
  SELECT DISTINCT :order_id::uuid, warehouse_id, 'CREATED'
  FROM reservation_lines l JOIN reservations r ON r.id = l.reservation_id
  WHERE r.order_id = :order_id::uuid
  RETURNING id, warehouse_id)
INSERT INTO shipment_lines (shipment_id, sku, quantity)
  SELECT c.id, l.sku, l.quantity FROM created c
  JOIN reservations r ON r.order_id = :order_id::uuid
  JOIN reservation_lines l ON l.reservation_id = r.id AND l.warehouse_id = c.warehouse_id;
INSERT INTO request_results VALUES ('ship:' || :order_id::text, decode(repeat('01', 300), 'hex'));
COMMIT;

-- 7. order-service confirms the order and ends the saga.
BEGIN;
UPDATE orders SET status = 'CONFIRMED', updated_at = now() WHERE id = :order_id::uuid;
INSERT INTO order_status_history (order_id, status) VALUES (:order_id::uuid, 'CONFIRMED');
UPDATE sagas SET phase = 'COMPLETED', step = 3, updated_at = now() WHERE id = :saga_id::uuid;
INSERT INTO saga_journal (saga_id, step, outcome) VALUES (:saga_id::uuid, 'SHIP', 'OK');
COMMIT;
