# shellcheck shell=bash
# tools/oms/up.sh: `up` and `down`: the lock, detached runs, the monitor and the cleanup.
# Sourced by ./oms, whose globals it uses; it only defines functions.

# ---------------------------------------------------------------- the lock and detached runs

close_lock_fd() {
  # Long-lived children must not inherit the lock, or `up` would look alive after it ended.
  if [[ -n $UP_LOCK_FD ]]; then
    exec {UP_LOCK_FD}>&-
  fi
}

acquire_up_lock() {  # -> holds .oms/run/up.lock, or exits naming the `up` that holds it
  mkdir -p "$RUN_DIR"
  exec {UP_LOCK_FD}>>"$RUN_DIR/up.lock"
  if ! flock -n "$UP_LOCK_FD"; then
    local owner
    owner=$(cat "$RUN_DIR/up.owner" 2>/dev/null || echo '?')
    die "./oms up is running in the foreground (pid $owner): stop it with Ctrl-C in its terminal, or kill -TERM $owner"
  fi
  printf '%s\n' "$$" >"$RUN_DIR/up.owner"
}

is_our_service() {  # svc pid -> 0 if pid is that service's binary from this checkout
  local arg0=""
  [[ $2 =~ ^[0-9]+$ && -n ${SVC_BIN[$1]:-} ]] || return 1
  # The pid file may be stale and the pid reused: check what the process runs.
  IFS= read -r -d '' arg0 2>/dev/null <"/proc/$2/cmdline" || true
  [[ $arg0 == "$REPO/${SVC_BIN[$1]}" ]]
}

recorded_services() {  # -> "svc pid" of each live service with a pid file; drops stale files
  local file svc pid
  for file in "$RUN_DIR"/*.pid; do
    [[ -f $file ]] || continue
    svc=$(basename "$file" .pid)
    pid=$(<"$file")
    if is_our_service "$svc" "$pid"; then
      printf '%s %s\n' "$svc" "$pid"
    else
      rm -f "$file"
    fi
  done
}

detached_state() {  # -> what a detached `up` left running, empty if nothing
  local what
  what=$(recorded_services | tr '\n' ' ')
  # The marker covers a detached run that had no service built: its cluster still counts.
  if [[ -f $RUN_DIR/detached ]] && pg_cluster_running "$PG_DIR"; then
    what+="postgresql"
  fi
  printf '%s' "${what% }"
}

detach() {
  trap - EXIT INT TERM
  : >"$RUN_DIR/detached"
  say "detached: everything keeps running; stop it with ./oms down"
}

# ---------------------------------------------------------------- running and stopping

load_demo_data() {
  if ! is_started inventory; then
    say "note: inventory-service is not running; demo data not loaded"
  elif [[ ! -x $OMSCTL ]]; then
    say "note: $OMSCTL is not built; demo data not loaded"
  else
    say "loading the demo data"
    local -a args=(--inventory "127.0.0.1:${PORT[inventory]}")
    if is_started order; then
      args+=(--orders "127.0.0.1:${PORT[order]}")  # also the demo customer
    fi
    local out
    out=$("$OMSCTL" demo-load "${args[@]}") || die "demo-load failed"
    printf '%s\n' "$out" >&2
    # shellcheck disable=SC2034  # read by print_gateway_examples (summary.sh)
    DEMO_CUSTOMER_ID=$(sed -n 's/^demo customer: //p' <<<"$out")
  fi
}

monitor_children() {  # returns never: exits when a child dies or on a signal
  say "running; press Ctrl-C to stop everything"
  local svc rc
  while :; do
    for svc in "${STARTED[@]}"; do
      if ! kill -0 "${SVC_PID[$svc]}" 2>/dev/null; then
        rc=0
        wait "${SVC_PID[$svc]}" 2>/dev/null || rc=$?
        service_failed "$svc" "exited unexpectedly ($(exit_reason "$rc"))"
      fi
    done
    if ((UP_OWNS_CLUSTER)) && ! pg_cluster_running "$PG_DIR"; then
      die "PostgreSQL stopped unexpectedly; see $PG_DIR/postgres.log"
    fi
    # A background sleep, so that INT and TERM interrupt the wait at once.
    sleep 1 &
    SLEEP_PID=$!
    wait "$SLEEP_PID" 2>/dev/null || true  # 2>: hides bash's own note of a crashed job
    SLEEP_PID=""
  done
}

shutdown_up() {  # stops everything this `up` started; best effort, never exits early
  local svc pid
  local -a pids=()
  for pid in "$PROBE_PID" "$SLEEP_PID"; do
    if [[ -n $pid ]]; then
      kill "$pid" 2>/dev/null || true
    fi
  done
  for svc in "${STARTED[@]}"; do
    pids+=("${SVC_PID[$svc]}")
  done
  if ((${#pids[@]})); then
    say "stopping ${STARTED[*]}"
    stop_pids "${pids[@]}"
  fi
  for svc in "${STARTED[@]}"; do
    rm -f "$RUN_DIR/$svc.pid"
  done
  if ((UP_OWNS_CLUSTER)); then
    pg_cluster_stop "$PG_DIR"
  fi
}

on_up_exit() {
  local rc=$?
  set +e
  trap '' INT TERM  # a second Ctrl-C must not cut the cleanup short
  shutdown_up
  say "stopped"
  exit "$rc"
}

# ---------------------------------------------------------------- commands

cmd_up() {
  local detach=0
  while (($#)); do
    case $1 in
      -d | --detach) detach=1 ;;
      *) die "up: unknown argument '$1' (./oms help)" ;;
    esac
    shift
  done
  mkdir -p "$OMS_DIR" "$RUN_DIR" "$LOG_DIR"
  chmod 755 "$OMS_DIR"  # the cluster user passes through it to .oms/pg
  acquire_up_lock
  local running
  running=$(detached_state)
  if [[ -n $running ]]; then
    if ((detach)); then
      say "a detached ./oms up is already running ($running); ./oms down stops it"
      return 0
    fi
    die "a detached ./oms up is already running ($running): run ./oms down first"
  fi
  rm -f "$RUN_DIR/detached"
  cmd_build
  resolve_ports
  select_services
  check_ports_free
  trap on_up_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  # `./oms up | tee log` then Ctrl-C kills tee first: a write to the dead pipe must fail, not
  # end this shell before it has stopped what it started.
  trap '' PIPE
  if [[ -n ${OMS_PG_URL:-} ]]; then
    use_external_pg
  else
    use_private_pg
  fi
  provision_databases
  ensure_admin_key
  ensure_pki
  use_omsctl_identity  # readiness probes and the demo load
  local svc
  for svc in "${STARTABLE[@]}"; do
    start_service "$svc"
  done
  load_demo_data
  print_summary
  if ((detach)); then
    detach
    return 0
  fi
  monitor_children
}

cmd_down() {
  (($# == 0)) || die "down takes no arguments"
  acquire_up_lock  # refuses while a foreground `up` runs; keeps a new `up` out meanwhile
  local -a entries pids=()
  local entry
  mapfile -t entries < <(recorded_services)
  for entry in "${entries[@]}"; do
    pids+=("${entry#* }")
  done
  if ((${#pids[@]})); then
    say "stopping ${entries[*]}"
    stop_pids "${pids[@]}"
  fi
  rm -f "$RUN_DIR"/*.pid "$RUN_DIR/detached"
  if [[ -f $PG_DIR/data/PG_VERSION ]]; then
    pg_resolve_bindir
    pg_cluster_stop "$PG_DIR"
  fi
  say "down"
}
