-- The benchmark's catalog, written straight into inventory's database (after its migrations ran):
-- two warehouses, BENCH-HAM near the customer in Hamburg and BENCH-MUC in Munich;
-- :skus SKUs BENCH-A-n stocked only in BENCH-HAM and :skus BENCH-B-n only in BENCH-MUC, so an
-- order with lines from both halves always splits into two shipments (spread); and HOT, stocked
-- in both, which every order of the hot shape takes (its two stock rows are the hot pair every
-- reservation locks). Each level gets :stock units with the RECEIPT movement the ledger needs
-- (RELIABILITY.md I1: the ledger sums to the level).
-- psql -v skus=400 -v stock=1000000 -f catalog.sql
BEGIN;

INSERT INTO warehouses (code, name, address_line1, address_city, address_country, region,
                        latitude, longitude)
VALUES ('BENCH-HAM', 'Bench Hamburg', '1 Dock Road', 'Hamburg', 'DE', 'eu-central', 53.55, 10.0),
       ('BENCH-MUC', 'Bench Munich', '1 Dock Road', 'Munich', 'DE', 'eu-central', 48.14, 11.58);

INSERT INTO products (sku, name, price_currency, price_minor, weight_grams)
SELECT format('BENCH-%s-%s', half, n), format('Bench %s %s', half, n), 'EUR',
       500 + (n * 37) % 9500, 200 + (n * 53) % 1800
FROM generate_series(1, :skus) AS n, (VALUES ('A'), ('B')) AS h (half)
UNION ALL
SELECT 'HOT', 'Flash sale item', 'EUR', 1999, 500;

CREATE TEMP TABLE bench_levels AS
SELECT p.sku, w.id AS warehouse_id
FROM products p
JOIN warehouses w ON (p.sku LIKE 'BENCH-A-%' AND w.code = 'BENCH-HAM')
                  OR (p.sku LIKE 'BENCH-B-%' AND w.code = 'BENCH-MUC')
                  OR (p.sku = 'HOT' AND w.code IN ('BENCH-HAM', 'BENCH-MUC'));

INSERT INTO stock_levels (sku, warehouse_id, on_hand)
SELECT sku, warehouse_id, :stock FROM bench_levels;

INSERT INTO stock_movements (sku, warehouse_id, kind, on_hand_delta, reserved_delta,
                             on_hand_after, reserved_after, reason, request_id)
SELECT sku, warehouse_id, 'RECEIPT', :stock, 0, :stock, 0, 'oms bench',
       format('bench-receipt:%s:%s', sku, warehouse_id)
FROM bench_levels;

COMMIT;
