# shellcheck shell=bash
# tools/oms/psql.sh: `psql`: a superuser session on the PostgreSQL server of `up`.
# Sourced by ./oms, whose globals it uses; it only defines functions.

cmd_psql() {
  local db=postgres
  if (($#)) && [[ $1 != -* ]]; then
    db=$1
    shift
  fi
  pg_resolve_bindir
  if [[ -n ${OMS_PG_URL:-} ]]; then
    parse_pg_url "$OMS_PG_URL"
    exec "$PG_BINDIR/psql" "$(url_for_db "$db")" "$@"
  fi
  pg_cluster_running "$PG_DIR" || die "the private PostgreSQL cluster is not running: start it with ./oms up"
  exec "$PG_BINDIR/psql" -h "$PG_DIR/sock" -p "$(pg_running_port "$PG_DIR")" -U postgres -d "$db" "$@"
}
