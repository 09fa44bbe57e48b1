-- The catalog at scale in inventory's database: eight more warehouses beside the bench's two,
-- and :skus SKUs HIST-n stocked in all ten, each level with its RECEIPT movement.
SET synchronous_commit = off;
BEGIN;
INSERT INTO warehouses (code, name, address_line1, address_city, address_country, region,
                        latitude, longitude)
SELECT format('HIST-%s', w), format('History %s', w), '1 Dock Road', 'City', 'DE', 'eu-central',
       47.5 + w * 0.6, 6.5 + w * 0.9
FROM generate_series(1, 8) AS w;
INSERT INTO products (sku, name, price_currency, price_minor, weight_grams)
SELECT format('HIST-%s', n), format('History %s', n), 'EUR', 100 + (n * 37) % 20000,
       50 + (n * 53) % 5000
FROM generate_series(1, :skus) AS n;
INSERT INTO stock_levels (sku, warehouse_id, on_hand)
SELECT p.sku, w.id, 1000 FROM products p, warehouses w WHERE p.sku LIKE 'HIST-%';
INSERT INTO stock_movements (sku, warehouse_id, kind, on_hand_delta, reserved_delta,
                             on_hand_after, reserved_after, reason)
SELECT sku, warehouse_id, 'RECEIPT', 1000, 0, 1000, 0, 'oms bench history'
FROM stock_levels WHERE sku LIKE 'HIST-%';
COMMIT;
