-- Clones :first .. :last of the template order :'template' in inventory's database: its
-- committed reservation with its lines, its RESERVE and COMMIT movements, and the answers
-- to the saga's calls (every stored answer is the template's: it was the only order then).
SELECT pg_temp.bench_clone('reservations', format('t.order_id = %L', :'template'), :first, :last,
  remap => '{id,order_id}');
SELECT pg_temp.bench_clone('reservation_lines',
  format('t.reservation_id IN (SELECT id FROM reservations WHERE order_id = %L)', :'template'),
  :first, :last, remap => '{reservation_id}');
SELECT pg_temp.bench_clone('stock_movements', format('t.order_id = %L', :'template'), :first,
  :last, remap => '{reservation_id,order_id}', skip => '{id}');
SELECT pg_temp.bench_clone('request_results', 't.request_id NOT LIKE ''%#%''', :first, :last,
  suffix => '{request_id}');
