# shellcheck shell=bash
# tools/oms/bench_stack.sh: the suite `bench` measures: the four databases with their own roles
# on the durable scratch cluster, the five processes on loopback ports they pick themselves (port
# 0, read back from their ready files), the catalog, a customer and its API key.
# Sourced by ./oms, whose globals it uses; it only defines functions.

bench_psql() {  # db psql-args... -> psql as superuser on the scratch cluster
  local db=$1
  shift
  "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$TEST_PG_DIR/sock" -p "$PG_PORT" -U postgres \
    -d "$db" "$@"
}

bench_provision() {  # -> the four service databases and roles; BENCH_DB_URL[svc]
  local svc db password
  # shellcheck disable=SC2034  # read by admin_psql (databases.sh)
  PG_ADMIN=(-h "$TEST_PG_DIR/sock" -p "$PG_PORT" -U postgres -d postgres)
  for svc in "${!SVC_DB[@]}"; do
    db=${SVC_DB[$svc]}
    password=$(random_secret)
    provision_sql "$db" "$password" | admin_psql >/dev/null || die "bench: creating $db failed"
    # shellcheck disable=SC2004  # an associative array of ./oms
    BENCH_DB_URL[$svc]="postgresql://$db:$password@127.0.0.1:$PG_PORT/$db"
  done
}

bench_service_env() {  # svc -> SVC_ENV for a bench process
  local svc=$1 peer
  SVC_ENV=(
    OMS_LISTEN_HOST=127.0.0.1
    "OMS_${svc^^}_PORT=0"
    "OMS_${svc^^}_METRICS_PORT=0"
    "OMS_READY_FILE=$BENCH_DIR/$svc.ready"
    OMS_DRAIN_SECONDS=1  # nothing is in flight when the bench stops a process
  )
  # Mutual TLS as in production (the certificates of tools/oms/pki.sh), unless the caller chose
  # plain text with OMS_INSECURE_PLAINTEXT=1, which the services then inherit.
  local entry
  while IFS= read -r entry; do
    [[ -n $entry ]] && SVC_ENV+=("$entry")
  done < <(pki_env "$(pki_identity "$svc")")
  if [[ -n ${SVC_DB[$svc]:-} ]]; then
    SVC_ENV+=("OMS_${svc^^}_DATABASE_URL=${BENCH_DB_URL[$svc]}")
  fi
  if [[ $svc == order || $svc == gateway ]]; then
    for peer in order inventory billing shipping; do
      [[ $peer == "$svc" ]] || SVC_ENV+=("OMS_${peer^^}_ADDR=127.0.0.1:${PORT[$peer]}")
    done
  fi
  if [[ $svc == gateway ]]; then
    # The bench is one client sending as fast as the suite answers: no rate limit may cut in.
    SVC_ENV+=("OMS_BOOTSTRAP_ADMIN_KEY=$ADMIN_KEY" OMS_GATEWAY_RATE_LIMIT_RPS=1000000
      OMS_GATEWAY_RATE_LIMIT_BURST=1000000)
  fi
}

bench_wait_ready() {  # svc pid -> PORT[svc] and METRICS_PORT[svc] from its ready file
  local svc=$1 pid=$2 ready="$BENCH_DIR/$1.ready"
  local deadline=$((SECONDS + READY_TIMEOUT_SECONDS))
  until [[ -s $ready ]]; do
    if ! kill -0 "$pid" 2>/dev/null || ((SECONDS > deadline)); then
      tail -n 20 "$BENCH_DIR/$svc.log" >&2
      die "bench: $svc did not start (log: $BENCH_DIR/$svc.log)"
    fi
    sleep 0.1
  done
  # shellcheck disable=SC2004,SC2034  # associative arrays of ./oms
  PORT[$svc]=$(jq -r '.grpc_port // .http_port' "$ready")
  # shellcheck disable=SC2004,SC2034
  METRICS_PORT[$svc]=$(jq -r .metrics_port "$ready")
}

bench_start_services() {  # -> the five processes serving, pids in BENCH_PID
  local svc pid
  for svc in "${SERVICES[@]}"; do
    [[ -x ${SVC_BIN[$svc]} ]] || die "bench: ${SVC_BIN[$svc]} is not built"
    rm -f "$BENCH_DIR/$svc.ready"
    bench_service_env "$svc"
    (
      unset OMS_PG_URL OMS_TEST_PG_URL
      export "${SVC_ENV[@]}"
      exec "$REPO/${SVC_BIN[$svc]}"
    ) >>"$BENCH_DIR/$svc.log" 2>&1 </dev/null &
    pid=$!
    # shellcheck disable=SC2004  # an associative array of ./oms
    BENCH_PID[$svc]=$pid
    bench_wait_ready "$svc" "$pid"
  done
  say "bench: suite serving; gateway on 127.0.0.1:${PORT[gateway]} (logs in $BENCH_DIR)"
}

bench_stop_services() {
  local -a pids=()
  local svc
  for svc in "${!BENCH_PID[@]}"; do
    pids+=("${BENCH_PID[$svc]}")
  done
  stop_pids "${pids[@]}"
  BENCH_PID=()
}

bench_api() {  # method path [body] -> BENCH_BODY; fails unless the gateway answers 2xx
  local method=$1 path=$2 data=${3:-} out status
  local -a args=(-s -X "$method" -H "@$BENCH_DIR/admin.header" -w '\n%{http_code}'
    -H "Idempotency-Key: bench-$RANDOM-$RANDOM-$RANDOM")
  if [[ -n $data ]]; then
    args+=(-H 'Content-Type: application/json' --data-binary "$data")
  fi
  out=$(curl "${args[@]}" "http://127.0.0.1:${PORT[gateway]}$path") ||
    die "bench: the gateway does not answer $method $path"
  status=${out##*$'\n'}
  BENCH_BODY=${out%$'\n'*}
  [[ $status == 2* ]] || die "bench: $method $path answered HTTP $status: $BENCH_BODY"
}

bench_seed() {  # skus stock -> the catalog, BENCH_CUSTOMER and BENCH_API_KEY
  bench_psql oms_inventory -v skus="$1" -v stock="$2" -f bench/catalog.sql ||
    die "bench: loading the catalog failed"
  # The admin key in a header file, not on curl's command line, which ps shows.
  (umask 077 && printf 'Authorization: Bearer %s\n' "$ADMIN_KEY" >"$BENCH_DIR/admin.header")
  bench_api POST /v1/customers '{"name": "Erika Mustermann", "email": "bench@oms.example",
    "addresses": [{"kind": "ADDRESS_KIND_SHIPPING", "address": {"line1": "Heidestrasse 17",
    "city": "Hamburg", "postalCode": "20095", "country": "DE"}}]}'
  BENCH_CUSTOMER=$(jq -r .id <<<"$BENCH_BODY")
  # What an integration places orders with: a key bound to its customer, not the admin key.
  bench_api POST /v1/apiKeys "$(jq -nc --arg c "$BENCH_CUSTOMER" \
    '{name: "oms bench", scopes: ["orders:write", "orders:read"], customerId: $c}')"
  # shellcheck disable=SC2034  # read by run_wrk (bench_probe.sh)
  BENCH_API_KEY=$(jq -r .secret <<<"$BENCH_BODY")
}
