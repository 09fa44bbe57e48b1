# shellcheck shell=bash
# tools/oms/databases.sh: the server of `up` (private or OMS_PG_URL), its databases and roles.
# Sourced by ./oms, whose globals it uses; it only defines functions.

parse_pg_url() {  # url -> URL_USER URL_USERINFO URL_HOSTPORT URL_DB URL_QUERY
  local re='^postgres(ql)?://(([^@/?]*)@)?([^/?]*)(/([^?]*))?(\?(.*))?$'
  [[ $1 =~ $re ]] || die "OMS_PG_URL must be a libpq URI: postgresql://user:password@host:port/db"
  URL_USERINFO=${BASH_REMATCH[3]}
  URL_USER=${URL_USERINFO%%:*}
  URL_HOSTPORT=${BASH_REMATCH[4]}
  URL_DB=${BASH_REMATCH[6]}
  URL_QUERY=${BASH_REMATCH[8]}
}

url_for_db() {  # db -> the OMS_PG_URL server as the same user, on another database
  printf 'postgresql://%s%s/%s%s\n' "${URL_USERINFO:+$URL_USERINFO@}" "$URL_HOSTPORT" "$1" \
    "${URL_QUERY:+?$URL_QUERY}"
}

use_private_pg() {
  UP_OWNS_CLUSTER=1  # set first: a half-started cluster must be stopped too
  pg_cluster_start "$PG_DIR"
  PG_ADMIN=(-h "$PG_DIR/sock" -p "$PG_PORT" -U postgres -d postgres)
  DB_HOSTPORT="127.0.0.1:$PG_PORT"
  DB_QUERY=""
  PG_DISPLAY_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres (password in .oms/pg/pwfile)"
}

use_external_pg() {
  pg_resolve_bindir
  parse_pg_url "$OMS_PG_URL"
  PG_ADMIN=(-d "$OMS_PG_URL")
  DB_HOSTPORT=$URL_HOSTPORT
  DB_QUERY=$URL_QUERY
  # shellcheck disable=SC2034  # read by print_summary (summary.sh)
  PG_DISPLAY_URL="postgresql://${URL_USER:+$URL_USER@}$URL_HOSTPORT/$URL_DB (from OMS_PG_URL)"
  say "using the PostgreSQL server of OMS_PG_URL ($URL_HOSTPORT); no private cluster"
  admin_psql -c 'SELECT 1' >/dev/null || die "cannot connect to OMS_PG_URL as a superuser"
}

admin_psql() {  # psql args... -> psql as superuser on the server in use
  "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 "${PG_ADMIN[@]}" "$@"
}

provision_sql() {  # db password -> SQL making role and database, each reachable only by the other
  # Sent on stdin, so the password never shows on a command line. \gexec runs the generated
  # statement only when the object is missing: CREATE has no IF NOT EXISTS for these.
  cat <<SQL
\\set role '$1'
\\set pw '$2'
SELECT format('CREATE ROLE %I', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \\gexec
ALTER ROLE :"role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'pw';
SELECT format('CREATE DATABASE %I OWNER %I TEMPLATE template0 ENCODING %L LOCALE %L', :'role', :'role', 'UTF8', 'C')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'role') \\gexec
ALTER DATABASE :"role" OWNER TO :"role";
REVOKE CONNECT, TEMPORARY ON DATABASE :"role" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"role" TO :"role";
SQL
}

provision_databases() {
  ensure_secrets
  local db
  {
    for db in "${DATABASES[@]}"; do
      provision_sql "$db" "$(secret_get "$(db_secret_key "$db")")"
    done
    # In our own cluster, also close the default databases, so a service role reaches
    # nothing but its own database. A shared server's defaults are not ours to change.
    if ((UP_OWNS_CLUSTER)); then
      echo 'REVOKE CONNECT, TEMPORARY ON DATABASE postgres, template1 FROM PUBLIC;'
    fi
  } | admin_psql >/dev/null || die "creating the databases and roles failed"
  say "databases ready: ${DATABASES[*]} (one role each)"
}

db_url() {  # db -> the URL its own role connects with
  printf 'postgresql://%s:%s@%s/%s%s\n' "$1" "$(secret_get "$(db_secret_key "$1")")" \
    "$DB_HOSTPORT" "$1" "${DB_QUERY:+?$DB_QUERY}"
}
