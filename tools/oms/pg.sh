# shellcheck shell=bash
# tools/oms/pg.sh: a private PostgreSQL cluster in a base directory: create, start, stop.
# Sourced by ./oms, whose globals it uses; it only defines functions.

pg_resolve_bindir() {
  if [[ -n $PG_BINDIR ]]; then
    return 0
  fi
  local dir=${OMS_PG_BINDIR:-}
  if [[ -z $dir ]]; then
    local -a dirs=(/usr/lib/postgresql/*/bin)
    dir=$(printf '%s\n' "${dirs[@]}" | sort -V | tail -n 1)
  fi
  [[ -x $dir/pg_ctl && -x $dir/initdb ]] ||
    die "PostgreSQL server binaries not found in ${dir:-/usr/lib/postgresql/*/bin}: run ./oms setup, or set OMS_PG_BINDIR"
  PG_BINDIR=$dir
}

as_pg() {  # command... -> runs it as the user that owns the clusters
  # PostgreSQL refuses to run as root; anyone else runs it as themselves.
  if ((EUID == 0)); then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

give_to_pg() {  # path... -> owned by the cluster user
  if ((EUID == 0)); then
    chown postgres:postgres "$@"
  fi
}

pg_cluster_prepare() {  # base -> its directories exist, owned so the cluster user can use them
  local base=$1
  mkdir -p "$base/data" "$base/sock"
  # base stays root's and readable: the cluster user only needs to pass through it.
  chmod 755 "$base"
  chmod 700 "$base/data" "$base/sock"
  touch "$base/postgres.log"
  give_to_pg "$base/data" "$base/sock" "$base/postgres.log"
  if ! as_pg test -w "$base/data"; then
    die "user postgres cannot reach $base (a parent directory is not traversable by others): move the checkout, or set OMS_PG_URL"
  fi
  # A unix socket path is limited to 107 bytes.
  if ((${#base} + 24 > 107)); then
    die "$base is too long a path for PostgreSQL's unix socket: use a shorter checkout path, or set OMS_PG_URL"
  fi
}

pg_cluster_init() {  # base -> an initialized data directory, superuser password in base/pwfile
  local base=$1
  if [[ -f $base/data/PG_VERSION ]]; then
    return 0
  fi
  # Left over by an interrupted initdb: not a cluster, nothing in it to keep.
  if [[ -n $(ls -A "$base/data") ]]; then
    warn "removing the half-initialized $base/data"
    find "$base/data" -mindepth 1 -delete
  fi
  (umask 077 && random_secret >"$base/pwfile")
  give_to_pg "$base/pwfile"  # initdb, run as postgres, reads it
  say "creating a PostgreSQL cluster in $base/data"
  if ! as_pg "$PG_BINDIR/initdb" -D "$base/data" -U postgres --pwfile="$base/pwfile" \
      -A scram-sha-256 --auth-local=trust -E UTF8 --locale=C >"$base/initdb.log" 2>&1; then
    tail -n 20 "$base/initdb.log" >&2
    die "initdb failed (full log: $base/initdb.log)"
  fi
}

pg_cluster_running() {  # base -> 0 while its postmaster process lives
  local pid="" name="" state=""
  read -r pid 2>/dev/null <"$1/data/postmaster.pid" || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  # The pid file outlives a crash, and its pid may be reused; a killed postmaster can
  # linger as a zombie until init reaps it. Neither is a running cluster.
  read -r _ name state _ 2>/dev/null <"/proc/$pid/stat" || return 1
  [[ $name == "(postgres)" && $state != Z ]]
}

pg_wait_reaped() {  # base -> returns once a crashed postmaster's zombie is gone (10 s at most)
  # PostgreSQL refuses to start while the pid in postmaster.pid exists, zombie or not.
  local pid="" state="" tries
  read -r pid 2>/dev/null <"$1/data/postmaster.pid" || return 0
  for ((tries = 0; tries < 50; tries++)); do
    read -r _ _ state _ 2>/dev/null <"/proc/$pid/stat" || return 0
    [[ $state == Z ]] || return 0
    sleep 0.2
  done
}

pg_running_port() {  # base -> port the running postmaster listens on
  sed -n 4p "$1/data/postmaster.pid"
}

pg_cluster_start() {  # base [fsync_off] -> running cluster; sets PG_PORT
  local base=$1 extra=""
  if [[ ${2:-} == fsync_off ]]; then
    extra="-c fsync=off"  # throw-away test data: durability only costs time
  fi
  extra+=" ${PG_EXTRA_SETTINGS:-}"  # e.g. the bench's pg_stat_statements
  pg_resolve_bindir
  pg_cluster_prepare "$base"
  pg_cluster_init "$base"
  if pg_cluster_running "$base"; then
    PG_PORT=$(pg_running_port "$base")
    say "PostgreSQL in $base is already running on 127.0.0.1:$PG_PORT"
    return 0
  fi
  pg_wait_reaped "$base"
  local port="" _
  if [[ -f $base/port ]]; then
    port=$(<"$base/port")
  fi
  if [[ ! $port =~ ^[0-9]+$ ]] || port_in_use "$port"; then
    pick_free_port "$PG_FIRST_PORT"
    port=$REPLY
  fi
  # Another process may take the port between the check and the bind: try the next one.
  for _ in 1 2 3; do
    say "starting PostgreSQL ($base) on 127.0.0.1:$port"
    if (close_lock_fd && as_pg "$PG_BINDIR/pg_ctl" -D "$base/data" -l "$base/postgres.log" -w -t 60 \
        -o "-p $port -k '$base/sock' -c listen_addresses=127.0.0.1 -c max_connections=300 $extra" \
        start >/dev/null); then
      printf '%s\n' "$port" >"$base/port"
      PG_PORT=$port
      return 0
    fi
    pick_free_port $((port + 1))
    port=$REPLY
  done
  tail -n 20 "$base/postgres.log" >&2
  die "PostgreSQL did not start (log: $base/postgres.log)"
}

pg_cluster_stop() {  # base -> stopped; never fails, so cleanup can go on
  local base=$1
  if [[ -z $PG_BINDIR ]] || ! pg_cluster_running "$base"; then
    return 0
  fi
  say "stopping PostgreSQL ($base)"
  if ! as_pg "$PG_BINDIR/pg_ctl" -D "$base/data" -m fast -w -t 60 stop >/dev/null; then
    warn "fast shutdown failed; stopping PostgreSQL in immediate mode"
    as_pg "$PG_BINDIR/pg_ctl" -D "$base/data" -m immediate -w stop >/dev/null || true
  fi
}
