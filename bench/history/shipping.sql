-- Clones :first .. :last of the template order :'template' in shipping's database: its
-- shipments with their lines and journals, the stored answers, and its outbox events, which
-- clone n numbers after the template's (n times their count): the sequence stays dense.
SELECT pg_temp.bench_clone('shipments', format('t.order_id = %L', :'template'), :first, :last,
  remap => '{id,order_id}');
SELECT pg_temp.bench_clone('shipment_lines',
  format('t.shipment_id IN (SELECT id FROM shipments WHERE order_id = %L)', :'template'), :first,
  :last, remap => '{shipment_id}');
SELECT pg_temp.bench_clone('shipment_journal',
  format('t.shipment_id IN (SELECT id FROM shipments WHERE order_id = %L)', :'template'), :first,
  :last, remap => '{shipment_id}', skip => '{id}');
SELECT pg_temp.bench_clone('request_results', 't.request_id NOT LIKE ''%#%''', :first, :last,
  suffix => '{request_id}');
INSERT INTO outbox_events (sequence, type, shipment_id, order_id, payload, created_at)
SELECT t.sequence + n * (SELECT count(*) FROM outbox_events WHERE order_id = :'template'),
  t.type, pg_temp.bench_id(t.shipment_id::text, n)::uuid,
  pg_temp.bench_id(t.order_id, n), t.payload, t.created_at
FROM outbox_events t, generate_series(:first, :last) AS n
WHERE t.order_id = :'template';
