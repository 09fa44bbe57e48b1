-- Clones :first .. :last of the template order :'template' in billing's database: its payment
-- with its transactions, its authorization intent, one invoice per shipment with its lines,
-- the sandbox provider's ledger and the stored answers (all of them the template's then).
-- Invoices keep gap-free numbers: clone n takes the template's sequences shifted by n times
-- their count (tools/oms/bench_history.sh moves the counter past them afterwards).
SELECT pg_temp.bench_clone('payments', format('t.order_id = %L', :'template'), :first, :last,
  remap => '{id,order_id}');
SELECT pg_temp.bench_clone('payment_transactions',
  format('t.payment_id IN (SELECT id FROM payments WHERE order_id = %L)', :'template'), :first,
  :last, remap => '{payment_id,shipment_id}', suffix => '{idempotency_key}', skip => '{id}');
SELECT pg_temp.bench_clone('authorization_intents', format('t.order_id = %L', :'template'),
  :first, :last, remap => '{order_id}', suffix => '{request_id,idempotency_key}');
SELECT pg_temp.bench_clone('sandbox_provider_operations', 't.idempotency_key NOT LIKE ''%#%''',
  :first, :last, suffix => '{idempotency_key,reference,authorization_reference}');
SELECT pg_temp.bench_clone('request_results', 't.request_id NOT LIKE ''%#%''', :first, :last,
  suffix => '{request_id}');
SELECT pg_temp.bench_clone('invoice_lines',
  format('t.invoice_id IN (SELECT id FROM invoices WHERE order_id = %L)', :'template'), :first,
  :last, remap => '{invoice_id}');
INSERT INTO invoices (id, number, year, sequence, order_id, payment_id, shipment_id, currency,
  billing_name, billing_line1, billing_line2, billing_city, billing_postal_code, billing_region,
  billing_country, tax_country, tax_region, subtotal_minor, tax_minor, total_minor, issued_at)
SELECT pg_temp.bench_id(t.id::text, n)::uuid, t.number || '#' || n, t.year,
  t.sequence + n * (SELECT count(*) FROM invoices WHERE order_id = :'template'),
  pg_temp.bench_id(t.order_id, n),
  pg_temp.bench_id(t.payment_id::text, n)::uuid, pg_temp.bench_id(t.shipment_id, n), t.currency,
  t.billing_name, t.billing_line1, t.billing_line2, t.billing_city, t.billing_postal_code,
  t.billing_region, t.billing_country, t.tax_country, t.tax_region, t.subtotal_minor, t.tax_minor,
  t.total_minor, t.issued_at
FROM invoices t, generate_series(:first, :last) AS n
WHERE t.order_id = :'template';
