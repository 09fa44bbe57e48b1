-- What every history script uses: pg_temp.bench_clone copies the rows of one real, completed
-- order (the template the bench placed and delivered through the gateway) for clones
-- :first .. :last. Ids are remapped by one function of (id, clone) that every database computes
-- alike, so an order's id in order-service's database is the order id inventory, billing and
-- shipping store for the same clone; columns that must be unique get the clone as a suffix.
-- Serialized messages (bytea) stay the template's bytes: they have the real sizes, and nothing
-- the bench runs reads a past order's messages.
-- Triggers and foreign-key checks are off for this session (the copies are consistent by
-- construction), which also keeps the journals' NOTIFY triggers quiet.
SET session_replication_role = replica;
SET synchronous_commit = off;

CREATE FUNCTION pg_temp.bench_id(id text, clone integer) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN id IS NULL OR id = '' THEN id ELSE md5(id || '/' || clone)::uuid::text END
$$;

-- Copies table's rows matching `template_rows` (a condition) once per clone. `remap`: id
-- columns; `suffix`: unique text columns; `skip`: columns left to their defaults (serials);
-- `nulled`: references to rows a clone cannot point at (another table's serial).
CREATE FUNCTION pg_temp.bench_clone(tbl text, template_rows text, first integer, last integer,
                                    remap text[] DEFAULT '{}', suffix text[] DEFAULT '{}',
                                    skip text[] DEFAULT '{}', nulled text[] DEFAULT '{}')
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  columns text;
  copies text;
BEGIN
  SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position),
         string_agg(CASE
             WHEN column_name = ANY (remap) THEN format('pg_temp.bench_id(t.%I::text, n)::%s',
                                                       column_name, udt_name)
             WHEN column_name = ANY (suffix) THEN format('t.%I || ''#'' || n', column_name)
             WHEN column_name = ANY (nulled) THEN 'NULL'
             ELSE format('t.%I', column_name) END, ', ' ORDER BY ordinal_position)
    INTO columns, copies
  FROM information_schema.columns
  WHERE table_schema = 'public' AND table_name = tbl AND NOT column_name = ANY (skip);
  EXECUTE format('INSERT INTO %I (%s) SELECT %s FROM %I t, generate_series(%s, %s) AS n WHERE %s',
                 tbl, columns, copies, tbl, first, last, template_rows);
END $$;
