# shellcheck shell=bash
# tools/oms/services.sh: starting a service, waiting until it serves, and stopping processes.
# Sourced by ./oms, whose globals it uses; it only defines functions.

select_services() {  # -> STARTABLE, the services whose binary is built
  local svc
  STARTABLE=()
  for svc in "${SERVICES[@]}"; do
    if [[ -x ${SVC_BIN[$svc]} ]]; then
      STARTABLE+=("$svc")
    else
      say "note: ${SVC_BIN[$svc]} is not built; $svc will not run"
    fi
  done
  if [[ ! -x $OMSCTL ]]; then
    say "note: $OMSCTL is not built; readiness is checked by TCP connect only"
  fi
}

service_env() {  # svc -> SVC_ENV, the variables that configure it
  local svc=$1 peer
  SVC_ENV=(
    OMS_LISTEN_HOST=127.0.0.1
    "OMS_${svc^^}_PORT=${PORT[$svc]}"
    "OMS_${svc^^}_METRICS_PORT=${METRICS_PORT[$svc]}"
  )
  if [[ -n ${SVC_DB[$svc]:-} ]]; then
    SVC_ENV+=("OMS_${svc^^}_DATABASE_URL=$(db_url "${SVC_DB[$svc]}")")
  fi
  if [[ $svc == order || $svc == gateway ]]; then
    for peer in order inventory billing shipping; do
      SVC_ENV+=("OMS_${peer^^}_ADDR=127.0.0.1:${PORT[$peer]}")
    done
  fi
  if [[ $svc == order ]]; then
    # Webhook endpoints on this machine (a local receiver) are allowed under `up`.
    SVC_ENV+=("OMS_WEBHOOK_ALLOWED_NETWORKS=127.0.0.0/8,::1")
  fi
  if [[ $svc == shipping ]]; then
    # Photo proofs of delivery (POST /v1/shipments/{id}/proofs) in the state directory.
    SVC_ENV+=("OMS_SHIPPING_PROOF_DIR=$OMS_DIR/proofs")
  fi
  if [[ $svc == gateway ]]; then
    # The operations console at /console, served from the source tree: edits show on reload.
    SVC_ENV+=("OMS_BOOTSTRAP_ADMIN_KEY=$ADMIN_KEY" "OMS_GATEWAY_CONSOLE_DIR=$REPO/console")
  fi
  # Mutual TLS with the process's own certificate (tools/oms/pki.sh), unless plain text was
  # chosen with OMS_INSECURE_PLAINTEXT=1, which the service then inherits.
  local entry
  while IFS= read -r entry; do
    [[ -n $entry ]] && SVC_ENV+=("$entry")
  done < <(pki_env "$(pki_identity "$svc")")
}

http_ok() (  # host port path -> 0 when GET answers 200
  exec 3<>"/dev/tcp/$1/$2"
  printf 'GET %s HTTP/1.0\r\nHost: %s:%s\r\n\r\n' "$3" "$1" "$2" >&3
  IFS= read -r -t 5 line <&3
  [[ $line =~ ^HTTP/1\.[01]\ 200 ]]
) 2>/dev/null

probe_until() {  # command... -> 0 as soon as it succeeds, 1 after the ready timeout
  local deadline=$((SECONDS + READY_TIMEOUT_SECONDS))
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

probe_ready() {  # svc -> 0 once it serves (runs in the background)
  local port=${PORT[$1]}
  if [[ $1 == gateway ]]; then
    probe_until http_ok 127.0.0.1 "$port" /healthz
  elif [[ -x $OMSCTL ]]; then
    exec "$OMSCTL" health --addr "127.0.0.1:$port" --wait "$READY_TIMEOUT_SECONDS" >/dev/null
  else
    probe_until tcp_open 127.0.0.1 "$port"
  fi
}

exit_reason() {  # wait status -> words
  if (($1 > 128)); then
    printf 'killed by SIG%s' "$(kill -l "$(($1 - 128))" 2>/dev/null || echo "$(($1 - 128))")"
  else
    printf 'status %s' "$1"
  fi
}

service_failed() {  # svc reason -> the tail of its log, then exit (the EXIT trap stops the rest)
  printf 'oms: error: %s %s; last lines of .oms/logs/%s.log:\n' "$1" "$2" "$1" >&2
  tail -n 30 "$LOG_DIR/$1.log" | sed 's/^/    /' >&2
  exit 1
}

wait_ready() {  # svc pid -> returns once the service serves; exits if it dies or never does
  local svc=$1 pid=$2 rc=0
  local deadline=$((SECONDS + READY_TIMEOUT_SECONDS + 10))
  probe_ready "$svc" &
  PROBE_PID=$!
  # Watch the service too: a crash at start-up should not cost the whole timeout.
  while kill -0 "$PROBE_PID" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null || ((SECONDS > deadline)); then
      kill "$PROBE_PID" 2>/dev/null || true
      wait "$PROBE_PID" 2>/dev/null || true
      PROBE_PID=""
      if kill -0 "$pid" 2>/dev/null; then
        service_failed "$svc" "did not report SERVING (waited up to ${READY_TIMEOUT_SECONDS}s)"
      fi
      wait "$pid" 2>/dev/null || rc=$?
      service_failed "$svc" "exited during start-up ($(exit_reason "$rc"))"
    fi
    sleep 0.2
  done
  wait "$PROBE_PID" || rc=$?
  PROBE_PID=""
  if ((rc != 0)); then
    service_failed "$svc" "did not report SERVING (waited up to ${READY_TIMEOUT_SECONDS}s)"
  fi
}

start_service() {  # svc -> running and serving, pid in SVC_PID and .oms/run/<svc>.pid
  local svc=$1 log="$LOG_DIR/$1.log" pid
  if [[ -f $log ]]; then
    mv -f "$log" "$log.1"  # keep the previous run's log for post-mortems
  fi
  service_env "$svc"
  # Exported inside the subshell, not passed as arguments: passwords stay out of `ps`.
  # setsid: a terminal's Ctrl-C or hang-up reaches only this script, which stops the
  # services in order; it also lets --detach leave them running.
  (
    close_lock_fd
    unset OMS_PG_URL  # a service gets its own role, never the superuser
    export "${SVC_ENV[@]}"
    exec setsid "$REPO/${SVC_BIN[$svc]}"
  ) >"$log" 2>&1 </dev/null &
  pid=$!
  # shellcheck disable=SC2004,SC2034  # an associative array of ./oms, read by up.sh
  SVC_PID[$svc]=$pid
  STARTED+=("$svc")
  printf '%s\n' "$pid" >"$RUN_DIR/$svc.pid"
  say "started $svc (pid $pid); waiting until it serves"
  wait_ready "$svc" "$pid"
}

is_started() {  # svc -> 0 if this `up` started it
  local svc
  for svc in "${STARTED[@]}"; do
    if [[ $svc == "$1" ]]; then
      return 0
    fi
  done
  return 1
}

# ---------------------------------------------------------------- stopping

alive_pids() {  # pid... -> those still running
  local pid
  for pid; do
    if kill -0 "$pid" 2>/dev/null; then
      printf '%s\n' "$pid"
    fi
  done
}

stop_pids() {  # pid... -> all gone: SIGTERM, then SIGKILL after the grace period
  (($#)) || return 0
  local -a alive
  local deadline=$((SECONDS + STOP_GRACE_SECONDS)) pid
  kill -TERM "$@" 2>/dev/null || true
  while :; do
    mapfile -t alive < <(alive_pids "$@")
    ((${#alive[@]})) || break
    if ((SECONDS >= deadline)); then
      warn "still running after ${STOP_GRACE_SECONDS}s, killing: ${alive[*]}"
      kill -KILL "${alive[@]}" 2>/dev/null || true
      sleep 0.2
      break
    fi
    sleep 0.2
  done
  for pid; do
    wait "$pid" 2>/dev/null || true  # reaps our own children; a no-op for others
  done
}
