-- Clones :first .. :last of the template order :'template' in order-service's database: the
-- order, its status history, its sagas (the order's and one per shipment) with their journals,
-- and its shipments as the feed recorded them. All clones belong to the bench's customer.
SELECT pg_temp.bench_clone('orders', format('t.id = %L', :'template'), :first, :last,
  remap => '{id,payment_id}', suffix => '{idempotency_key}');
SELECT pg_temp.bench_clone('order_status_history', format('t.order_id = %L', :'template'),
  :first, :last, remap => '{order_id}', skip => '{id}');
SELECT pg_temp.bench_clone('sagas', format('t.order_id = %L', :'template'), :first, :last,
  remap => '{id,order_id,subject}');
SELECT pg_temp.bench_clone('saga_journal',
  format('t.saga_id IN (SELECT id FROM sagas WHERE order_id = %L)', :'template'), :first, :last,
  remap => '{saga_id}', skip => '{id}');
SELECT pg_temp.bench_clone('order_shipments', format('t.order_id = %L', :'template'), :first,
  :last, remap => '{shipment_id,order_id}');
