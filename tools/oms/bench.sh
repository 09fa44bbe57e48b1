# shellcheck shell=bash
# tools/oms/bench.sh: `bench`: orders placed through the gateway over HTTP (wrk) measured side by
# side with the PostgreSQL floor (pgbench, the same order's seven commits), in one run on one
# durable scratch cluster; and `bench saga`, the in-process order_saga_bench. bench/README.md
# says what each figure means. Sourced by ./oms, whose globals it uses; it only defines functions.

bench_usage() {
  cat <<'EOF'
usage: ./oms bench [--clients 1,8,32,64] [--seconds 10] [--warmup 3] [--shapes spread,hot]
                   [--skus 400] [--history ORDERS] [--statements] [--oms-only] [--settle 11]
                   [--out build/bench/results.json]
       ./oms bench saga [orders] [clients]     the in-process order_saga_bench (gRPC, no gateway)
EOF
}

bench_cleanup() {  # stops what the bench started, then the scratch cluster
  local rc=$?
  set +e
  trap '' INT TERM
  # shellcheck disable=SC2153  # BENCH_PID: an associative array of ./oms
  if ((${#BENCH_PID[@]})); then
    bench_stop_services
  fi
  [[ -n ${RPC_FLOOR_PID:-} ]] && stop_pids "$RPC_FLOOR_PID"
  stop_feed_lag_sampler
  if [[ -n $TEST_PG_DIR ]]; then
    pg_cluster_stop "$TEST_PG_DIR"
    rm -rf "$TEST_PG_DIR"
  fi
  exit "$rc"
}

csv_of_numbers() {  # text -> 0 if it is a comma-separated list of positive whole numbers
  [[ $1 =~ ^[1-9][0-9]*(,[1-9][0-9]*)*$ ]]
}

measure_oms() {  # shape clients -> one record: warm-up, then the measured wrk run
  local shape=$1 clients=$2 run="$BENCH_DIR/$1-$2" ticks
  say "bench: oms $shape, $clients clients: ${BENCH_WARMUP}s warm-up, ${BENCH_SECONDS}s measured"
  run_wrk "$shape" "$clients" "$BENCH_WARMUP" "$run.warmup.json"
  bench_snapshot "$run.before.json" settle-first
  statements_reset
  # The sampler starts before and stops after `times`: its curls are not the load generator's CPU.
  start_feed_lag_sampler "$run.feed-lag"
  times >"$run.times-before"
  run_wrk "$shape" "$clients" "$BENCH_SECONDS" "$run.json"
  times >"$run.times-after"
  stop_feed_lag_sampler
  ticks=$(($(children_cpu_ticks "$run.times-after") - $(children_cpu_ticks "$run.times-before")))
  statements_report "$run.json" "$run.statements.txt"
  bench_snapshot "$run.after.json" settle-commits
  oms_record "$shape" "$clients" "$run.before.json" "$run.after.json" "$run.json" "$ticks" \
    "$run.feed-lag"
}

measure_floor() {  # shape clients -> one record of the pgbench floor
  local shape=$1 clients=$2 prefix="$BENCH_DIR/floor-$1-$2" hot=0 ticks
  [[ $shape == hot ]] && hot=1
  say "bench: floor $shape, $clients clients"
  run_pgbench "$hot" "$clients" "$BENCH_WARMUP" "$prefix.warmup"
  bench_snapshot "$prefix.before.json"
  times >"$prefix.times-before"
  run_pgbench "$hot" "$clients" "$BENCH_SECONDS" "$prefix"
  times >"$prefix.times-after"
  ticks=$(($(children_cpu_ticks "$prefix.times-after") - $(children_cpu_ticks "$prefix.times-before")))
  bench_snapshot "$prefix.after.json"
  floor_record "$shape" "$clients" "$prefix.before.json" "$prefix.after.json" "$prefix" "$ticks"
}

# One empty gRPC call over the services' transport (bench/grpc_floor_bench.cc): its own echo
# server, stopped by PID once measured.
readonly RPC_FLOOR_BIN=build/bench/grpc_floor_bench

measure_rpc_floor() {  # clients -> one record of what an empty call costs in CPU
  local clients=$1 ready="$BENCH_DIR/rpc-floor.ready" out="$BENCH_DIR/rpc-floor-$1.json"
  local -a identity
  local deadline=$((SECONDS + READY_TIMEOUT_SECONDS))
  say "bench: gRPC floor (an empty call), $clients clients"
  mapfile -t identity < <(pki_env "$(pki_identity inventory)")  # none under plain text
  rm -f "$ready"
  env "${identity[@]}" "$REPO/$RPC_FLOOR_BIN" serve "$ready" >>"$BENCH_DIR/rpc-floor.log" 2>&1 &
  RPC_FLOOR_PID=$!
  until [[ -s $ready ]]; do
    if ! kill -0 "$RPC_FLOOR_PID" 2>/dev/null || ((SECONDS > deadline)); then
      die "bench: the gRPC floor's server did not start (log: $BENCH_DIR/rpc-floor.log)"
    fi
    sleep 0.1
  done
  env "${identity[@]}" "$REPO/$RPC_FLOOR_BIN" call "$(<"$ready")" "$RPC_FLOOR_PID" "$clients" \
    "$BENCH_WARMUP" "$BENCH_SECONDS" >"$out" 2>>"$BENCH_DIR/rpc-floor.log" ||
    die "bench: the gRPC floor's calls failed (log: $BENCH_DIR/rpc-floor.log)"
  stop_pids "$RPC_FLOOR_PID"
  RPC_FLOOR_PID=
  jq -c '{system: "rpc"} + .' "$out" >>"$BENCH_RECORDS"
}

check_invariants_after_bench() {  # -> RELIABILITY.md's invariants over what the run left
  use_omsctl_identity
  local -a args=(check --orders "127.0.0.1:${PORT[order]}" --inventory "127.0.0.1:${PORT[inventory]}"
    --billing "127.0.0.1:${PORT[billing]}" --shipping "127.0.0.1:${PORT[shipping]}")
  if "$OMSCTL" "${args[@]}" >"$BENCH_DIR/check.out" 2>&1; then
    BENCH_INVARIANTS=hold
    say "bench: invariants hold (omsctl check: no oversell, nothing lost or doubled)"
  else
    BENCH_INVARIANTS=violated
    warn "bench: omsctl check found violations or could not read a service:"
    tail -n 20 "$BENCH_DIR/check.out" >&2
  fi
}

cmd_bench() {
  if [[ ${1:-} == saga ]]; then
    shift
    cmd_build --target order_saga_bench
    start_scratch_pg
    build/bench/order_saga_bench "$@"
    return
  fi
  local levels=1,8,32,64 shapes=spread,hot history=0 out=build/bench/results.json stock=1000000
  local floors=1
  BENCH_SECONDS=10 BENCH_WARMUP=3 BENCH_SKUS=400 BENCH_STATEMENTS=0 BENCH_SETTLE=11
  while (($#)); do
    case $1 in
      --clients) levels=${2:?--clients needs a list}; shift 2 ;;
      --seconds) BENCH_SECONDS=${2:?--seconds needs a number}; shift 2 ;;
      --warmup) BENCH_WARMUP=${2:?--warmup needs a number}; shift 2 ;;
      --settle) BENCH_SETTLE=${2:?--settle needs a number}; shift 2 ;;
      --shapes) shapes=${2:?--shapes needs a list}; shift 2 ;;
      --skus) BENCH_SKUS=${2:?--skus needs a number}; shift 2 ;;
      --history) history=${2:?--history needs a number}; shift 2 ;;
      --out) out=${2:?--out needs a path}; shift 2 ;;
      --statements) BENCH_STATEMENTS=1; shift ;;
      --oms-only) floors=0; shift ;;  # no floor runs: a long run for memory takes half the time
      -h | --help) bench_usage; return 0 ;;
      *) bench_usage >&2; die "bench: unknown argument $1" ;;
    esac
  done
  csv_of_numbers "$levels" || die "bench: --clients takes numbers, e.g. 1,8,32"
  [[ $shapes =~ ^(spread|hot)(,(spread|hot))*$ ]] || die "bench: --shapes takes spread,hot"
  local n
  for n in "$BENCH_SECONDS" "$BENCH_WARMUP" "$BENCH_SKUS"; do
    csv_of_numbers "$n" || die "bench: --seconds, --warmup and --skus take whole numbers > 0"
  done
  [[ $history =~ ^[0-9]+$ ]] || die "bench: --history takes a whole number of orders"
  [[ $BENCH_SETTLE =~ ^[0-9]+$ ]] || die "bench: --settle takes a whole number of seconds"
  command -v wrk >/dev/null || die "bench: wrk not found: run ./oms setup"

  # Only what the run starts: a test elsewhere in the tree that does not build must not stop it.
  # Not from inside ./oms test (OMS_BENCH_BUILT=1), which built everything and must not run two
  # builds at once.
  if [[ ${OMS_BENCH_BUILT:-0} != 1 ]]; then
    cmd_build --target order-service inventory-service billing-service shipping-service gateway \
      omsctl grpc_floor_bench
  fi
  pg_resolve_bindir
  ensure_pki
  if ((BENCH_STATEMENTS)); then
    # Costs a little per statement: figures of a run with it are for finding where time goes.
    # shellcheck disable=SC2034  # read by pg_cluster_start (tools/oms/pg.sh)
    PG_EXTRA_SETTINGS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"
  fi
  # Durable: fsync stays on, as in production; the floor and oms pay the same commits.
  start_scratch_pg
  trap bench_cleanup EXIT
  # Kept after the run for a look at the services' logs and wrk's and pgbench's raw output.
  BENCH_DIR="$REPO/build/bench/last-run"
  rm -rf "$BENCH_DIR"
  mkdir -p "$BENCH_DIR" "$(dirname "$out")"
  BENCH_RECORDS="$BENCH_DIR/records.jsonl"
  : >"$BENCH_RECORDS"
  # shellcheck disable=SC2034  # the gateway's bootstrap key (bench_service_env), this run only
  ADMIN_KEY=$(random_secret)
  bench_provision
  if ((BENCH_STATEMENTS)); then
    bench_psql postgres -c 'CREATE EXTENSION pg_stat_statements' >/dev/null
  fi
  bench_psql postgres -c 'CREATE DATABASE oms_bench_floor' >/dev/null
  bench_psql oms_bench_floor -v skus="$BENCH_SKUS" -v stock="$stock" -f bench/floor_schema.sql
  bench_start_services
  bench_seed "$BENCH_SKUS" "$stock"
  if ((history > 0)); then
    load_history "$history"
  fi

  local shape clients
  local -a level_list shape_list
  IFS=, read -ra level_list <<<"$levels"
  IFS=, read -ra shape_list <<<"$shapes"
  for shape in "${shape_list[@]}"; do
    for clients in "${level_list[@]}"; do
      measure_oms "$shape" "$clients"
    done
    if ((floors)); then
      for clients in "${level_list[@]}"; do
        measure_floor "$shape" "$clients"
      done
    fi
  done
  if ((floors)); then
    for clients in "${level_list[@]}"; do
      measure_rpc_floor "$clients"
    done
  fi
  BENCH_INVARIANTS=unchecked
  if ((history <= 10000)); then
    check_invariants_after_bench
  fi

  print_bench_table
  write_bench_json "$out" "$(jq -nc --arg levels "$levels" --arg shapes "$shapes" \
    --argjson seconds "$BENCH_SECONDS" --argjson warmup "$BENCH_WARMUP" \
    --argjson skus "$BENCH_SKUS" --argjson history "$history" --arg host "$(hostname)" \
    --argjson cpus "$(nproc)" --arg at "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" --arg invariants "$BENCH_INVARIANTS" \
    --arg transport "$(pki_plaintext && echo plaintext || echo mtls)" \
    '{levels: $levels, shapes: $shapes, seconds: $seconds, warmup: $warmup, skus: $skus,
      history: $history, host: $host, cpus: $cpus, at: $at, load_before: $load,
      transport: $transport, invariants: $invariants}')"
  say "bench: results in $out"
  # Fast but wrong is no result: a run that broke an invariant fails.
  [[ $BENCH_INVARIANTS != violated ]] || die "bench: the run broke invariants ($BENCH_DIR/check.out)"
}
